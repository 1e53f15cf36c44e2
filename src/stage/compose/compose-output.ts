/** Short quotes of a docker command's output for reasons and logs: escapes stripped, one line clipped. */
import { stripTerminalEscapes } from './terminal-escapes.js';

const MAX_QUOTED_CHARS = 300;

export function lastLine(text: string): string {
  return clip(nonEmptyLines(stripTerminalEscapes(text)).at(-1));
}

export function firstLine(text: string): string {
  return clip(nonEmptyLines(stripTerminalEscapes(text))[0]);
}

export function lastLines(text: string, count: number): string {
  return stripTerminalEscapes(text).split('\n').slice(-count).join('\n');
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function nonEmptyLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function clip(line: string | undefined): string {
  if (line === undefined) return '(no output)';
  return line.length > MAX_QUOTED_CHARS ? `${line.slice(0, MAX_QUOTED_CHARS)}…` : line;
}
