/**
 * The newest lines of a log file, read backwards from its end in chunks, so a huge log never has to
 * fit in memory; and a merge of several replicas' tails into one oldest-first list.
 */
import { open } from 'node:fs/promises';

const CHUNK_BYTES = 64 * 1024;

/**
 * Last `maxLines` complete-or-final lines of `file`, oldest first. At most `maxBytes` are read, so
 * one absurdly long line cannot exhaust memory either. A missing file has no lines.
 */
export async function readLastLines(
  file: string,
  maxLines: number,
  maxBytes = 8 * 1024 * 1024,
): Promise<string[]> {
  if (maxLines <= 0) return [];
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const chunks: Buffer[] = [];
    let position = size;
    let newlines = 0;
    let read = 0;
    // One newline more than the lines wanted marks where the oldest wanted line starts.
    while (position > 0 && newlines <= maxLines && read < maxBytes) {
      const length = Math.min(CHUNK_BYTES, position, maxBytes - read);
      position -= length;
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, position);
      chunks.unshift(buffer);
      read += length;
      for (const byte of buffer) if (byte === 0x0a) newlines++;
    }
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    // When reading stopped mid-file, the first piece is a partial line: drop it.
    if (position > 0) lines.shift();
    return lines.slice(-maxLines);
  } finally {
    await handle.close();
  }
}

/** Milliseconds of a JSON log line's own time field (`time`, `ts`, `timestamp`), when it has one. */
function lineTimeMs(line: string): number | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    for (const key of ['time', 'ts', 'timestamp']) {
      const value = parsed[key];
      if (typeof value === 'number' && Number.isFinite(value)) return value < 1e11 ? value * 1000 : value;
      if (typeof value === 'string') {
        const ms = Date.parse(value);
        if (!Number.isNaN(ms)) return ms;
      }
    }
  } catch {
    // Not JSON after all: no time.
  }
  return undefined;
}

/**
 * Merge per-file tails (each oldest first) into one list, oldest first, by each line's own time where
 * it has one (a line without one keeps the time of the line before it in its file), keeping the
 * newest `maxLines`.
 */
export function mergeByTime(tails: string[][], maxLines: number): string[] {
  const entries: Array<{ time: number; file: number; index: number; line: string }> = [];
  tails.forEach((lines, file) => {
    let time = -Infinity;
    lines.forEach((line, index) => {
      time = lineTimeMs(line) ?? time;
      entries.push({ time, file, index, line });
    });
  });
  entries.sort((a, b) => a.time - b.time || a.file - b.file || a.index - b.index);
  return entries.slice(-maxLines).map((entry) => entry.line);
}
