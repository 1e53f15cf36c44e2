import type { GateLogger } from '../../src/kit/gate-logger.js';

/** A logger that keeps every message, for tests to assert on; a group shows as `group:`/`endgroup` lines. */
export function createRecordingLogger(): GateLogger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (message) => lines.push(`info: ${message}`),
    warn: (message) => lines.push(`warn: ${message}`),
    debug: (message) => lines.push(`debug: ${message}`),
    group: async (title, body) => {
      lines.push(`group: ${title}`);
      try {
        return await body();
      } finally {
        lines.push('endgroup');
      }
    },
  };
}
