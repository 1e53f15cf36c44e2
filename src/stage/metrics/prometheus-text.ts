/**
 * Parser of the Prometheus text exposition format (version 0.0.4), the body of any `/metrics`
 * endpoint: `name{label="value",...} value [timestamp]` lines, `#` lines being comments or HELP/TYPE.
 * Only samples are kept; metadata is not needed to sum counters.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  /** May be NaN or ±Infinity, as the format allows. */
  value: number;
  /** Milliseconds since the epoch, when the exposition gave one. */
  timestampMs?: number;
}

export class PrometheusTextError extends Error {
  constructor(
    message: string,
    readonly lineNumber: number,
  ) {
    super(`line ${lineNumber}: ${message}`);
    this.name = 'PrometheusTextError';
  }
}

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;

/** Parse a whole exposition. Throws PrometheusTextError naming the line on malformed input. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] ?? '').replace(/\r$/, '');
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    samples.push(parseSampleLine(trimmed, index + 1));
  }
  return samples;
}

/**
 * Parse the numeric value of a sample: a Go float, or NaN / +Inf / -Inf. Prometheus reads values with
 * Go's strconv.ParseFloat, which takes these names in any case, and prom-client writes NaN as `Nan`
 * (e.g. `nodejs_eventloop_lag_mean_seconds` before its first sample), so case is ignored here too.
 */
export function parseSampleValue(text: string): number | undefined {
  switch (text.toLowerCase()) {
    case 'nan':
      return NaN;
    case '+inf':
    case 'inf':
    case '+infinity':
    case 'infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

function parseSampleLine(line: string, lineNumber: number): Sample {
  let position = 0;
  const fail = (message: string): never => {
    throw new PrometheusTextError(message, lineNumber);
  };

  if (!NAME_START.test(line[position] ?? '')) fail(`expected a metric name, got "${line.slice(0, 40)}"`);
  while (position < line.length && NAME_CHAR.test(line[position]!)) position++;
  const name = line.slice(0, position);

  const labels: Record<string, string> = {};
  skipSpaces();
  if (line[position] === '{') {
    position++;
    for (;;) {
      skipSpaces();
      if (line[position] === '}') {
        position++;
        break;
      }
      const labelStart = position;
      if (!LABEL_START.test(line[position] ?? '')) fail(`bad label name in ${name}`);
      while (position < line.length && LABEL_CHAR.test(line[position]!)) position++;
      const labelName = line.slice(labelStart, position);
      skipSpaces();
      if (line[position] !== '=') fail(`expected "=" after label ${labelName} in ${name}`);
      position++;
      skipSpaces();
      if (line[position] !== '"') fail(`expected a quoted value for label ${labelName} in ${name}`);
      position++;
      labels[labelName] = readQuoted(labelName);
      skipSpaces();
      if (line[position] === ',') {
        position++;
        continue;
      }
      if (line[position] === '}') {
        position++;
        break;
      }
      fail(`expected "," or "}" after label ${labelName} in ${name}`);
    }
  }

  const rest = line
    .slice(position)
    .trim()
    .split(/[ \t]+/);
  if (rest.length === 0 || rest[0] === '') fail(`missing value for ${name}`);
  if (rest.length > 2) fail(`unexpected text after the value of ${name}`);
  const value = parseSampleValue(rest[0]!);
  if (value === undefined) fail(`bad value "${rest[0]}" for ${name}`);
  const sample: Sample = { name, labels, value: value! };
  if (rest[1] !== undefined) {
    if (!/^-?\d+$/.test(rest[1])) fail(`bad timestamp "${rest[1]}" for ${name}`);
    sample.timestampMs = Number(rest[1]);
  }
  return sample;

  function skipSpaces(): void {
    while (line[position] === ' ' || line[position] === '\t') position++;
  }

  function readQuoted(labelName: string): string {
    let value = '';
    for (;;) {
      const char = line[position];
      if (char === undefined) return fail(`unterminated value of label ${labelName} in ${name}`);
      position++;
      if (char === '"') return value;
      if (char !== '\\') {
        value += char;
        continue;
      }
      const escaped = line[position];
      position++;
      if (escaped === 'n') value += '\n';
      else if (escaped === '\\') value += '\\';
      else if (escaped === '"') value += '"';
      else if (escaped === undefined) return fail(`unterminated value of label ${labelName} in ${name}`);
      // The format defines only these three escapes; keep anything else literally, as Prometheus does.
      else value += `\\${escaped}`;
    }
  }
}

/** True when every label in `wanted` is present in `labels` with the same value. */
export function labelsMatch(
  labels: Record<string, string>,
  wanted: Record<string, string> | undefined,
): boolean {
  if (!wanted) return true;
  return Object.entries(wanted).every(([key, value]) => labels[key] === value);
}
