/**
 * `npm run docs:report-picture` (through .ci/report-picture, which does the set-up): the three pictures
 * of the report in docs/images/, made from real runs of the action on the local stage and rendered as
 * GitHub shows them.
 *
 * 1. The action's entry runs on the local stage as the runner runs it (INPUT_* variables, the runner's
 *    files): its job summary is the first picture, and chat-capacity's section of it, its evidence
 *    opened (the steps, the charts of p95 and attainment by users, the bottleneck), the third.
 * 2. It runs again with single-flight switched off in the replicas (SINGLE_FLIGHT_ENABLED=false, what a
 *    pull request that broke it would boot), the first run's JSON report as its baseline; the CLI's
 *    publish mode then prints, as a dry run, the exact PR comment it would post for that report with
 *    the trend against the baseline: the second picture.
 * 3. Each markdown is turned into HTML with GitHub-flavoured markdown (remark-gfm, raw HTML kept as
 *    GitHub keeps `<details>`), styled by GitHub's own markdown CSS (github-markdown-css), its ```mermaid
 *    blocks drawn by Mermaid 11, one check's evidence opened, and photographed by Debian's headless
 *    Chromium (playwright-core). The page loads nothing from the network: every request is refused.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import rehypeRaw from 'rehype-raw';
import rehypeStringify from 'rehype-stringify';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { REPO_ROOT, removeRunDir, runEntry, type EntryRun } from '../action/run-entry.js';

const IMAGES_DIR = join(REPO_ROOT, 'docs', 'images');
export const SUMMARY_PICTURE = join(IMAGES_DIR, 'report-summary.png');
export const COMMENT_PICTURE = join(IMAGES_DIR, 'report-comment-trend.png');
/** chat-capacity's section alone, its evidence opened: the steps, the two charts, the bottleneck. */
export const CAPACITY_PICTURE = join(IMAGES_DIR, 'report-capacity.png');
const CHROMIUM = process.env['CHROMIUM_BIN'] ?? '/usr/bin/chromium';
/** The check whose evidence is shown opened, as a reader would click it. */
const OPENED_CHECK = 'plan-cache-single-flight';
/** Bounds of every step: a run of the gate on the local stage, and the browser's work on one page. */
const GATE_RUN_TIMEOUT_MS = 300_000;
const BROWSER_TIMEOUT_MS = 60_000;
/** GitHub's page width for a job summary or a comment, in CSS pixels. */
const PAGE_WIDTH = 1012;

const require = createRequire(import.meta.url);
const githubCss = readFileSync(require.resolve('github-markdown-css/github-markdown-light.css'), 'utf8');
const mermaidScript = readFileSync(require.resolve('mermaid/dist/mermaid.min.js'), 'utf8');

/** A run of the action's entry on the local stage; fails with its log when it did not finish. */
async function runGateOnLocalStage(
  name: string,
  inputs: Record<string, string>,
  env: Record<string, string>,
) {
  console.error(`report-picture: ${name}: running the action on the local stage …`);
  const run = await runEntry({
    entry: 'src/action/main.ts',
    // Every check, as a user's run has them by default (the tests' runs leave chat-capacity out).
    inputs: { driver: 'local', checks: 'all', 'pr-comment': 'false', 'fail-on': 'never', ...inputs },
    env,
    timeoutMs: GATE_RUN_TIMEOUT_MS,
  });
  if (run.code !== 0 || !run.outputs['report-json'] || !run.summary.trim()) {
    throw new Error(`${name}: the action ended with ${run.code}\n${run.stdout.slice(-4000)}\n${run.stderr}`);
  }
  console.error(
    `report-picture: ${name}: verdict ${run.outputs['verdict']}, checks ${run.outputs['checks']}`,
  );
  return run;
}

/** The CLI's publish mode without a token: it prints the exact comment body it would post. */
async function commentBody(reportFile: string, baselineFile: string): Promise<string> {
  const env = { ...process.env };
  for (const name of ['GITHUB_TOKEN', 'GH_TOKEN', 'INPUT_GITHUB-TOKEN']) delete env[name];
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      '--mode',
      'publish',
      '--report-file',
      reportFile,
      '--baseline-report',
      baselineFile,
      '--pull-request-number',
      '7',
    ],
    { cwd: REPO_ROOT, env, timeout: BROWSER_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

/** GitHub-flavoured markdown to HTML, raw HTML (`<details>`) kept; ```mermaid blocks left for Mermaid. */
export async function markdownToHtml(markdown: string): Promise<string> {
  const html = String(
    await unified()
      .use(remarkParse)
      .use(remarkGfm)
      .use(remarkRehype, { allowDangerousHtml: true })
      .use(rehypeRaw)
      .use(rehypeStringify)
      .process(markdown),
  );
  return html.replace(
    /<pre><code class="language-mermaid">([\s\S]*?)<\/code><\/pre>/g,
    (_, source: string) => `<pre class="mermaid">${source}</pre>`,
  );
}

/** A page framed as GitHub frames the job summary or a comment. */
function githubPage(frameTitle: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><style>${githubCss}
body { margin: 0; padding: 16px; background: #f6f8fa; width: ${PAGE_WIDTH}px; }
.frame { border: 1px solid #d0d7de; border-radius: 6px; background: #fff; }
.frame-title { padding: 12px 16px; border-bottom: 1px solid #d0d7de; background: #f6f8fa;
  border-radius: 6px 6px 0 0; font: 600 14px -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328; }
.markdown-body { padding: 16px 32px 24px; }
.markdown-body pre.mermaid { background: transparent; text-align: center; }
</style></head><body><div class="frame"><div class="frame-title">${frameTitle}</div>
<article class="markdown-body">${body}</article></div></body></html>`;
}

/**
 * `openCheck`: that check's first evidence is opened; `onlyThatCheck`: the picture is cut to its
 * heading and that evidence, instead of the whole page.
 */
async function photograph(
  html: string,
  file: string,
  openCheck?: string,
  onlyThatCheck = false,
): Promise<void> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking'],
    timeout: BROWSER_TIMEOUT_MS,
  });
  try {
    const page = await browser.newPage({ viewport: { width: PAGE_WIDTH + 32, height: 800 } });
    page.setDefaultTimeout(BROWSER_TIMEOUT_MS);
    // Everything the page needs is inline: nothing may be fetched.
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load' });
    if (openCheck) {
      // The first evidence of that check: the <details> after its heading.
      const opened = await page.evaluate(
        ({ id, all }) => {
          // The page's DOM, typed as far as used here (the project's types carry no DOM library).
          interface PageElement {
            tagName: string;
            textContent: string | null;
            nextElementSibling: PageElement | null;
            setAttribute(name: string, value: string): void;
          }
          const page = globalThis as unknown as {
            document: { querySelectorAll(s: string): Iterable<PageElement> };
          };
          const heading = [...page.document.querySelectorAll('h4')].find((h) => h.textContent?.includes(id));
          let node = heading?.nextElementSibling;
          while (node && node.tagName !== 'DETAILS' && node.tagName !== 'H4') node = node.nextElementSibling;
          if (node?.tagName !== 'DETAILS') return false;
          node.setAttribute('open', '');
          heading?.setAttribute('id', 'stagegate-opened-check');
          node.setAttribute('id', 'stagegate-opened-evidence');
          // Cut to that check: every evidence of it opened (its charts too), the last one marked.
          for (
            let next = node.nextElementSibling;
            all && next && next.tagName !== 'H4';
            next = next.nextElementSibling
          )
            if (next.tagName === 'DETAILS') {
              next.setAttribute('open', '');
              node.setAttribute('id', '');
              next.setAttribute('id', 'stagegate-opened-evidence');
              node = next;
            }
          return true;
        },
        { id: openCheck, all: onlyThatCheck },
      );
      if (!opened) throw new Error(`${file}: no evidence of ${openCheck} to open`);
    }
    // Drawn once the evidence is open, as GitHub draws a chart the reader opens.
    await page.addScriptTag({ content: mermaidScript });
    await page.evaluate(async () => {
      const mermaid = (globalThis as unknown as { mermaid: MermaidApi }).mermaid;
      mermaid.initialize({ startOnLoad: false, theme: 'default' });
      await mermaid.run({ querySelector: 'pre.mermaid' });
    });
    const drawn = await page.locator('pre.mermaid svg').count();
    const blocks = await page.locator('pre.mermaid').count();
    if (drawn !== blocks) throw new Error(`${file}: Mermaid drew ${drawn} of ${blocks} charts`);
    if (openCheck && onlyThatCheck) {
      const top = await page.locator('#stagegate-opened-check').boundingBox();
      const bottom = await page.locator('#stagegate-opened-evidence').boundingBox();
      if (!top || !bottom) throw new Error(`${file}: ${openCheck}'s section has no size`);
      const frame = (await page.locator('.frame').boundingBox())!;
      await page.screenshot({
        path: file,
        fullPage: true,
        clip: {
          x: frame.x,
          y: top.y - 8,
          width: frame.width,
          height: bottom.y + bottom.height - top.y + 16,
        },
      });
      console.error(`report-picture: wrote ${file}`);
      return;
    }
    await page.locator('.frame').screenshot({ path: file });
    console.error(`report-picture: wrote ${file}`);
  } finally {
    await browser.close();
  }
}

interface MermaidApi {
  initialize(config: Record<string, unknown>): void;
  run(options: { querySelector: string }): Promise<void>;
}

async function main(): Promise<void> {
  mkdirSync(IMAGES_DIR, { recursive: true });
  const runs: EntryRun[] = [];
  try {
    const baseline = await runGateOnLocalStage('baseline run', {}, {});
    runs.push(baseline);
    const broken = await runGateOnLocalStage(
      'run with single-flight off',
      { 'baseline-report': baseline.outputs['report-json']! },
      { SINGLE_FLIGHT_ENABLED: 'false' },
    );
    runs.push(broken);
    await photograph(
      githubPage('stagegate summary', await markdownToHtml(baseline.summary)),
      SUMMARY_PICTURE,
      OPENED_CHECK,
    );
    await photograph(
      githubPage('stagegate summary', await markdownToHtml(baseline.summary)),
      CAPACITY_PICTURE,
      'chat-capacity',
      true,
    );
    const comment = await commentBody(broken.outputs['report-json']!, baseline.outputs['report-json']!);
    await photograph(
      githubPage(
        '<b>github-actions</b> <span style="font-weight:400;color:#59636e">bot commented</span>',
        await markdownToHtml(comment),
      ),
      COMMENT_PICTURE,
    );
  } finally {
    for (const run of runs) removeRunDir(run);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`report-picture: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
