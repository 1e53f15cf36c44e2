/**
 * Reads a JSON report from a file that may come from anywhere: the artifact of a run on a fork's code
 * (publish mode), or the base branch's report restored from a cache (the baseline). Nothing in it is
 * trusted: the file is size-bounded before it is parsed, it must be one of our report formats
 * (schema-checked with zod), and no error message quotes its content, so a hostile file can put
 * nothing of its own in the log. What passes is a GateReport the renderers escape as usual.
 */
import { open } from 'node:fs/promises';
import { z } from 'zod';
import { DRIVER_KINDS } from '../stage/driver.js';
import { LANGUAGES } from './language.js';
import {
  CHECK_IDS,
  MEASURE_IDS,
  READABLE_REPORT_VERSIONS,
  REPORT_FORMAT_VERSION,
  type GateReport,
} from './model.js';

/** Largest report file read. The gate's own reports stay far below (evidence is bounded per check). */
export const REPORT_FILE_MAX_BYTES = 10 * 1024 * 1024;

/** A report file that cannot be used, with the reason worded for the user. */
export class ReportFileError extends Error {
  constructor(
    message: string,
    /** `missing`: there is no such file (a baseline may simply not exist yet); `unusable`: anything else. */
    readonly problem: 'missing' | 'unusable' = 'unusable',
  ) {
    super(message);
    this.name = 'ReportFileError';
  }
}

const count = z.number().int().min(0);
const finite = z.number().refine(Number.isFinite, 'a finite number');
const cellValue = z.union([z.string(), finite, z.boolean()]);
/**
 * Bounds on every list, far above what a gate run writes (a burst is at most 1000 asks): a file of
 * tiny entries (`[[],[],…]`, millions in 10 MiB) would otherwise reach renderers never meant for that
 * many (spreading them into Math.max overflows the stack).
 */
const LIMITS = { entries: 20_000, columns: 100, evidence: 100 } as const;
const list = <T extends z.ZodType>(item: T, max: number = LIMITS.entries) => z.array(item).max(max);

const EvidenceSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('facts'),
    title: z.string(),
    facts: list(z.object({ label: z.string(), value: cellValue })),
  }),
  z.object({
    kind: z.literal('table'),
    title: z.string(),
    columns: list(z.string(), LIMITS.columns),
    rows: list(list(cellValue, LIMITS.columns)),
  }),
  z.object({
    kind: z.literal('histogram'),
    title: z.string(),
    buckets: list(z.object({ label: z.string(), count: finite })),
  }),
  z.object({ kind: z.literal('lines'), title: z.string(), lines: list(z.string()) }),
  z.object({
    kind: z.literal('chart'),
    title: z.string(),
    // Labels may be anything: the Mermaid renderer sanitizes them, and drops a chart that is too big.
    chart: z.discriminatedUnion('type', [
      z.object({
        type: z.literal('bars'),
        xTitle: z.string(),
        yTitle: z.string(),
        categories: list(z.string()),
        series: list(
          z.object({ name: z.string(), values: list(finite), drawn: z.literal('line').optional() }),
          LIMITS.columns,
        ),
      }),
      z.object({ type: z.literal('pie'), slices: list(z.object({ label: z.string(), value: finite })) }),
    ]),
  }),
]);

const ServiceLogsSchema = z.object({
  linesPerService: count,
  maxLineChars: count,
  services: list(
    z.object({ service: z.string(), lines: list(z.string()), error: z.string().optional() }),
    LIMITS.columns,
  ),
});

const STATUSES = ['pass', 'warn', 'fail', 'skipped'] as const;

const MeasuresSchema = z.partialRecord(z.enum(MEASURE_IDS), z.number().min(0).refine(Number.isFinite));

const CheckSchema = z.object({
  id: z.enum(CHECK_IDS),
  status: z.enum(STATUSES),
  reason: z.string(),
  evidence: list(EvidenceSchema, LIMITS.evidence),
  measures: MeasuresSchema.optional(),
  durationMs: finite,
  metricEvidenceMissing: z.string().optional(),
});

/** The report model as a schema. Unknown keys are dropped (never rendered); known ones must fit. */
export const ReportSchema = z.object({
  version: z.literal(READABLE_REPORT_VERSIONS),
  verdict: z.enum(['ready', 'not-ready', 'boot-failed']),
  worst: z.enum(STATUSES),
  checks: z
    .array(CheckSchema)
    .max(CHECK_IDS.length)
    .refine((checks) => new Set(checks.map((c) => c.id)).size === checks.length, 'a check id twice'),
  stage: z.object({
    driver: z.enum(DRIVER_KINDS),
    baseUrl: z.string(),
    replicas: count,
    narratorMaxConcurrency: count,
  }),
  startedAt: z.string().max(100),
  durationMs: finite,
  phases: list(z.object({ name: z.string(), durationMs: finite }), LIMITS.columns),
  language: z.enum(LANGUAGES),
  serviceLogs: ServiceLogsSchema.optional(),
  asks: z
    .object({
      sent: count,
      failed: count,
      budget: count,
      checks: list(z.object({ check: z.enum(CHECK_IDS), sent: count, failed: count }), LIMITS.columns),
      problems: z.string().max(2000).optional(),
    })
    .optional(),
});

/** Where a zod issue points, as `checks[2].status`: the place, never the value found there. */
function describePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out || 'the top level';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return 'not any of the allowed forms';
    case 'too_big':
      return `too many entries (at most ${String(issue.maximum)})`;
    case 'too_small':
      return `below ${String(issue.minimum)}`;
    case 'custom':
      return `not allowed (${issue.message})`;
    default:
      return 'not of the expected form';
  }
}

/** The format version a parsed JSON value claims, when it claims one. */
function claimedVersion(value: unknown): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)['version']
    : undefined;
}

/**
 * A report from JSON text, or a ReportFileError saying why not. `source` names the file in messages.
 * A format-1 report is read as it is (it has no measures); a later format is refused, since its
 * meaning may have changed in ways this build cannot know.
 */
export function parseReport(text: string, source: string): GateReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text: keep the file's content out of the log.
    throw new ReportFileError(`${source} is not a stagegate report: it is not valid JSON.`);
  }
  const version = claimedVersion(value);
  if (version === undefined)
    throw new ReportFileError(
      `${source} is not a stagegate report: it has no format version (a JSON object with "version").`,
    );
  if (!(READABLE_REPORT_VERSIONS as readonly unknown[]).includes(version)) {
    const shown = typeof version === 'number' && Number.isInteger(version) ? String(version) : 'unknown';
    const newer = typeof version === 'number' && version > REPORT_FORMAT_VERSION;
    throw new ReportFileError(
      `${source} is report format ${shown}; this stagegate reads formats ${READABLE_REPORT_VERSIONS.join(' and ')}` +
        (newer ? ': it was written by a newer stagegate, update this one to read it.' : '.'),
    );
  }
  const result = ReportSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more)` : '';
    throw new ReportFileError(
      `${source} is not a stagegate report: ${describePath(issue.path)} is ${describeIssue(issue)}${more}.`,
    );
  }
  const report = result.data as GateReport;
  if (report.version === 1) for (const check of report.checks) delete check.measures;
  return report;
}

/**
 * Reads and checks the report at `path`. The size is checked on the open file before anything is read,
 * and the read stops past the limit anyway (a FIFO or a growing file has no size to check).
 */
export async function readReportFile(
  path: string,
  options: { maxBytes?: number; source?: string } = {},
): Promise<GateReport> {
  const maxBytes = options.maxBytes ?? REPORT_FILE_MAX_BYTES;
  const source = options.source ?? path;
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ReportFileError(
      code === 'ENOENT' ? `${source} does not exist.` : `${source} cannot be read (${code ?? 'error'}).`,
      code === 'ENOENT' ? 'missing' : 'unusable',
    );
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ReportFileError(`${source} is not a regular file.`);
    if (stat.size > maxBytes) throw new ReportFileError(tooLarge(source, stat.size, maxBytes));
    const chunks: Buffer[] = [];
    let length = 0;
    while (length <= maxBytes) {
      const chunk = Buffer.alloc(Math.min(1024 * 1024, maxBytes + 1 - length));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
    }
    if (length > maxBytes) throw new ReportFileError(tooLarge(source, length, maxBytes));
    return parseReport(Buffer.concat(chunks, length).toString('utf8'), source);
  } finally {
    await handle.close();
  }
}

function tooLarge(source: string, size: number, maxBytes: number): string {
  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${source} is not a stagegate report: it holds more than the ${mib(maxBytes)} a report may hold (${size > maxBytes + 1 ? mib(size) : 'read up to the limit'}).`;
}
