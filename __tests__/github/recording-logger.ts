import type { Logger } from '../../src/github/ports.js';

export interface RecordingLogger extends Logger {
  /** A group shows as a `group` line with its title, then an `endgroup` line. */
  lines: Array<{ level: 'debug' | 'info' | 'warn' | 'group' | 'endgroup'; message: string }>;
  warnings(): string[];
}

/** A logger that keeps every line, so tests assert on what a user would read. */
export function recordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = [];
  return {
    lines,
    debug: (message) => lines.push({ level: 'debug', message }),
    info: (message) => lines.push({ level: 'info', message }),
    warn: (message) => lines.push({ level: 'warn', message }),
    group: async (title, body) => {
      lines.push({ level: 'group', message: title });
      try {
        return await body();
      } finally {
        lines.push({ level: 'endgroup', message: '' });
      }
    },
    warnings: () => lines.filter((l) => l.level === 'warn').map((l) => l.message),
  };
}
