/**
 * Compose prints terminal control sequences even when told not to: 2.25–2.26 put `ESC[2K` (erase line)
 * before every `logs` line with `--no-color` and COMPOSE_ANSI=never, and `up` draws its progress with
 * cursor moves. Everything the gate parses, saves or shows from compose goes through here first.
 */
import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';

/** CSI sequences (ESC [ … final byte), OSC sequences (ESC ] … BEL or ESC \), and two-byte ESC codes. */
// eslint-disable-next-line no-control-regex
const TERMINAL_ESCAPE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|\r(?!\n)/g;

export function stripTerminalEscapes(text: string): string {
  return text.includes('\x1b') || text.includes('\r') ? text.replace(TERMINAL_ESCAPE, '') : text;
}

/**
 * The same, as a stream: whole lines at a time, so a sequence split across two chunks is still seen
 * whole. A line longer than `maxPendingBytes` without a newline is passed on as it is.
 */
export class TerminalEscapeStripper extends Transform {
  private pending = '';
  // A multi-byte character split across two chunks is decoded whole.
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly maxPendingBytes = 1024 * 1024) {
    super({ decodeStrings: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const text = this.pending + this.decoder.write(chunk);
    const end = text.lastIndexOf('\n');
    if (end === -1 && text.length < this.maxPendingBytes) {
      this.pending = text;
      done();
      return;
    }
    const cut = end === -1 ? text.length : end + 1;
    this.pending = text.slice(cut);
    done(null, stripTerminalEscapes(text.slice(0, cut)));
  }

  override _flush(done: TransformCallback): void {
    done(null, stripTerminalEscapes(this.pending + this.decoder.end()));
  }
}
