/**
 * The real Mermaid parser (the `mermaid` package GitHub's renderer is built on), for tests that must
 * fail when a chart would not draw. Under Node, mermaid needs a DOM even to parse (it sanitizes with
 * DOMPurify, which needs a `window`), so jsdom provides one before mermaid is first imported. Works on
 * Node 20 with mermaid 11 and jsdom 27 (mermaid 12 and jsdom 28+ need Node 22).
 */
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import type { Mermaid } from 'mermaid';

let loading: Promise<Mermaid> | undefined;

export function loadMermaid(): Promise<Mermaid> {
  loading ??= (async () => {
    if (!('window' in globalThis)) {
      const { window } = new JSDOM('<!doctype html><html><body></body></html>');
      Object.assign(globalThis, { window, document: window.document });
    }
    return (await import('mermaid')).default;
  })();
  return loading;
}

/** What a chart says once parsed: its type and title, and its categories and series, or its slices. */
export type ParsedChart =
  | {
      type: 'xychart';
      title: string;
      categories: string[];
      series: number[][];
      /** How each series is drawn, in the order Mermaid draws them: `bar` or `line`. */
      drawn: string[];
      /** The value axis as Mermaid draws it: from `yMin` to `yMax`. */
      yMin: number;
      yMax: number;
    }
  | { type: 'pie'; title: string; slices: Map<string, number> };

interface XyChartData {
  title: string;
  xAxis: { type: string; categories?: string[] };
  yAxis: { min: number; max: number };
  plots: Array<{ type: string; data: Array<[string, number]> }>;
}

/** Parses `source` with Mermaid (rejecting what it rejects) and reads back what the parser understood. */
export async function parseChart(source: string): Promise<ParsedChart> {
  const mermaid = await loadMermaid();
  // parse() throws a parse error with the line and the token it expected, which is the message wanted.
  const { diagramType } = (await mermaid.parse(source)) as { diagramType: string };
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(source);
  const db = diagram.db as Record<string, (...args: unknown[]) => unknown>;
  if (diagramType === 'xychart') {
    const data = db['getXYChartData']!() as XyChartData;
    assert.equal(data.xAxis.type, 'band', 'bars have named categories');
    return {
      type: 'xychart',
      title: data.title,
      categories: data.xAxis.categories ?? [],
      series: data.plots.map((plot) => plot.data.map(([, value]) => value)),
      drawn: data.plots.map((plot) => plot.type),
      yMin: data.yAxis.min,
      yMax: data.yAxis.max,
    };
  }
  if (diagramType === 'pie')
    return {
      type: 'pie',
      title: String(db['getDiagramTitle']!()),
      slices: db['getSections']!() as Map<string, number>,
    };
  throw new Error(`unexpected Mermaid diagram type ${diagramType}`);
}

/** The source of every ```mermaid block of `markdown`, in order. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)\n```$/gm)].map((match) => match[1]!);
}

/** Each check's part of a markdown report (its `####` heading names the check id in a code span). */
export function checkSections(markdown: string): Map<string, string> {
  const sections = new Map<string, string>();
  const parts = markdown.split(/^(?=#{3,4} )/m);
  for (const part of parts) {
    const id = /^#### .*? · `([a-z-]+)` · /.exec(part)?.[1];
    if (id) sections.set(id, part);
  }
  return sections;
}
