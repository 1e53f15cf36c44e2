/**
 * Slow and abusive clients for the gateway's tests: bounded floods of raw TCP connections (node:net) to
 * one loopback port, each kind holding a number of connections open for a fixed time and then closing
 * whatever is left. What a flood records is what the gateway did to each connection: how long it held it
 * and the status line it answered, if any. A legitimate user measured alongside (measureUser) opens a new
 * connection per request, as a newly arrived chat user would, so a queue at the door shows in its figures.
 */
import net from 'node:net';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export type FloodKind =
  | 'slow-headers'
  | 'stalled-bodies'
  | 'connection-flood'
  | 'idle-keep-alive'
  | 'oversized-headers'
  | 'oversized-bodies';

export interface FloodPlan {
  kind: FloodKind;
  /** The gateway's address: loopback by default; on compose, the gateway container's own address. */
  host?: string;
  port: number;
  /** Connections kept open at once (a closed one is replaced while the flood lasts, when `refill`). */
  connections: number;
  durationMs: number;
  /** Replace every connection the gateway closes, so the pressure stays the same for the whole flood. */
  refill: boolean;
}

export interface FloodResult {
  kind: FloodKind;
  /** Connections opened in all (replacements included). */
  opened: number;
  /** Connections that could not be opened (refused, reset before connecting, connect timeout). */
  openFailures: number;
  /** Connections the gateway closed before the flood ended, and how long it held each (ms, from connect). */
  releasedMs: number[];
  /** Connections still open when the flood ended (closed by the flood itself). */
  heldToEnd: number;
  /** The first status code the gateway answered on each connection, counted ("none": no answer). */
  answers: Record<string, number>;
}

const CONNECT_TIMEOUT_MS = 5000;
const SLOW_HEADER_EVERY_MS = 1000;
const ASK_PATH = '/ask';

/** What each kind sends once connected; `trickle` is sent again every second (slow headers). */
function openingBytes(kind: FloodKind): { first: string | Buffer; trickle?: string } {
  switch (kind) {
    case 'slow-headers':
      return { first: 'GET /healthz HTTP/1.1\r\nHost: stage\r\n', trickle: 'X-Slow: 1\r\n' };
    case 'stalled-bodies':
      // Declares 200 bytes, sends 12, then nothing more.
      return {
        first:
          `POST ${ASK_PATH} HTTP/1.1\r\nHost: stage\r\nContent-Type: application/json\r\n` +
          'Content-Length: 200\r\n\r\n{"question":',
      };
    case 'connection-flood':
      return { first: '' };
    case 'idle-keep-alive':
      return { first: 'GET /healthz HTTP/1.1\r\nHost: stage\r\n\r\n' };
    case 'oversized-headers':
      // One 64 kB header: four times HAProxy's buffer.
      return { first: `GET /healthz HTTP/1.1\r\nHost: stage\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n` };
    case 'oversized-bodies':
      // Declares 8 MB and starts sending it.
      return {
        first: Buffer.concat([
          Buffer.from(
            `POST ${ASK_PATH} HTTP/1.1\r\nHost: stage\r\nContent-Type: application/json\r\n` +
              `Content-Length: ${8 * 1024 * 1024}\r\n\r\n`,
          ),
          Buffer.alloc(64 * 1024, 'a'),
        ]),
      };
  }
}

/** Runs one flood to its end; never throws for what the gateway does to the connections. */
export async function runFlood(plan: FloodPlan): Promise<FloodResult> {
  const result: FloodResult = {
    kind: plan.kind,
    opened: 0,
    openFailures: 0,
    releasedMs: [],
    heldToEnd: 0,
    answers: {},
  };
  const open = new Set<net.Socket>();
  const endsAt = performance.now() + plan.durationMs;
  let ending = false;
  const { first, trickle } = openingBytes(plan.kind);

  const openOne = (): void => {
    if (ending) return;
    result.opened++;
    const socket = net.connect({ host: plan.host ?? '127.0.0.1', port: plan.port });
    let connectedAt = 0;
    let connected = false;
    let answered: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => {
      if (!connected) socket.destroy();
    });
    socket.on('connect', () => {
      connected = true;
      connectedAt = performance.now();
      socket.setTimeout(0);
      open.add(socket);
      if (first.length > 0) socket.write(first);
      if (trickle) timer = setInterval(() => socket.write(trickle), SLOW_HEADER_EVERY_MS);
    });
    socket.on('data', (chunk: Buffer) => {
      if (answered !== undefined) return;
      answered = /^HTTP\/1\.[01] (\d{3})/.exec(chunk.toString('latin1'))?.[1] ?? 'garbled';
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (timer) clearInterval(timer);
      open.delete(socket);
      if (!connected) {
        result.openFailures++;
        return;
      }
      const key = answered ?? 'none';
      result.answers[key] = (result.answers[key] ?? 0) + 1;
      if (!ending) {
        result.releasedMs.push(performance.now() - connectedAt);
        if (plan.refill && performance.now() < endsAt) openOne();
      }
    });
  };

  for (let index = 0; index < plan.connections; index++) openOne();
  await new Promise((resolve) => setTimeout(resolve, plan.durationMs));
  ending = true;
  result.heldToEnd = open.size;
  for (const socket of open) socket.destroy();
  // Let the close events of the destroyed sockets run before the caller reads the result.
  await new Promise((resolve) => setTimeout(resolve, 200));
  return result;
}

export interface UserFigures {
  requests: number;
  errors: number;
  /** What the errors were (status codes or error codes), counted. */
  errorKinds: Record<string, number>;
  latenciesMs: number[];
}

/** One request on a new connection: its latency, or what went wrong. */
function requestOnce(
  host: string,
  port: number,
  method: 'GET' | 'POST',
  path: string,
  body: string | undefined,
  timeoutMs: number,
): Promise<{ ms: number; error?: string }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      {
        host,
        port,
        method,
        path,
        agent: false,
        timeout: timeoutMs,
        headers: body
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
          : {},
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve(
            res.statusCode === 200
              ? { ms: performance.now() - started }
              : { ms: performance.now() - started, error: `HTTP ${res.statusCode}` },
          ),
        );
        res.on('error', (error: NodeJS.ErrnoException) =>
          resolve({ ms: performance.now() - started, error: error.code ?? error.message }),
        );
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ ms: performance.now() - started, error: error.code ?? error.message }),
    );
    req.end(body);
  });
}

/**
 * A legitimate user for `durationMs`: `workers` loops, each sending the request one after the other on
 * a new connection every time (a request that fails counts as an error, with what it was).
 */
export async function measureUser(options: {
  host?: string;
  port: number;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  durationMs: number;
  workers: number;
  timeoutMs: number;
}): Promise<UserFigures> {
  const figures: UserFigures = { requests: 0, errors: 0, errorKinds: {}, latenciesMs: [] };
  const endsAt = performance.now() + options.durationMs;
  const worker = async () => {
    while (performance.now() < endsAt) {
      const outcome = await requestOnce(
        options.host ?? '127.0.0.1',
        options.port,
        options.method,
        options.path,
        options.body,
        options.timeoutMs,
      );
      figures.requests++;
      if (outcome.error) {
        figures.errors++;
        figures.errorKinds[outcome.error] = (figures.errorKinds[outcome.error] ?? 0) + 1;
      } else figures.latenciesMs.push(outcome.ms);
    }
  };
  await Promise.all(Array.from({ length: options.workers }, worker));
  return figures;
}

/** The q-quantile (0..1) of a list of figures, by nearest rank; undefined for an empty list. */
export function quantile(values: number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** One row of the floods' table: what a legitimate user saw during a flood, and what the flood saw. */
export interface FloodRow {
  flood: string;
  healthz: UserFigures;
  cachedAsk: UserFigures;
  floods: FloodResult[];
  /** The gateway's current sessions once the flood ended, and how long they took to drain to 0. */
  drainedMs: number | undefined;
  sessionsLeft: number;
  /**
   * The longest the measuring process's own event loop stalled while the row was measured (ms;
   * undefined: not watched). A stall of seconds (the process or the machine not scheduled) shows as
   * latency and timeouts that the gateway never caused.
   */
  measurerLagMs?: number;
}

const ms = (value: number | undefined) => (value === undefined ? '–' : `${Math.round(value)} ms`);

/** The floods' table in Markdown (docs/faults-on-compose.md carries a copy of a measured one). */
export function floodTable(rows: FloodRow[]): string {
  const header =
    '| flood | /healthz p50 / p99 | cached /ask p50 / p99 | legitimate errors | flood connections released (p50 / p99) | gateway answered | held after the flood | measurer stalled (max) |\n' +
    '|---|---|---|---|---|---|---|---|';
  const lines = rows.map((row) => {
    const released = row.floods.flatMap((flood) => flood.releasedMs);
    const answers = row.floods
      .flatMap((flood) => Object.entries(flood.answers))
      .reduce<Record<string, number>>(
        (all, [code, count]) => ({ ...all, [code]: (all[code] ?? 0) + count }),
        {},
      );
    const errors = row.healthz.errors + row.cachedAsk.errors;
    const errorKinds = { ...row.healthz.errorKinds };
    for (const [kind, count] of Object.entries(row.cachedAsk.errorKinds))
      errorKinds[kind] = (errorKinds[kind] ?? 0) + count;
    return [
      row.flood,
      `${ms(quantile(row.healthz.latenciesMs, 0.5))} / ${ms(quantile(row.healthz.latenciesMs, 0.99))}`,
      `${ms(quantile(row.cachedAsk.latenciesMs, 0.5))} / ${ms(quantile(row.cachedAsk.latenciesMs, 0.99))}`,
      `${errors} of ${row.healthz.requests + row.cachedAsk.requests}${
        errors
          ? ` (${Object.entries(errorKinds)
              .map(([kind, count]) => `${kind}: ${count}`)
              .join(', ')})`
          : ''
      }`,
      row.floods.length === 0
        ? '–'
        : `${row.floods.reduce((sum, flood) => sum + flood.opened, 0)} opened; ${ms(quantile(released, 0.5))} / ${ms(quantile(released, 0.99))}`,
      Object.entries(answers)
        .map(([code, count]) => `${code}: ${count}`)
        .join(', ') || '–',
      row.floods.length === 0
        ? '–'
        : row.sessionsLeft === 0
          ? `0 sessions (drained in ${ms(row.drainedMs)})`
          : `${row.sessionsLeft} sessions still open`,
      ms(row.measurerLagMs),
    ].join(' | ');
  });
  return [header, ...lines.map((line) => `| ${line} |`)].join('\n');
}

/** What a keep-alive client is told about an idle connection, and what the gateway does with one. */
export interface IdleKeepAlive {
  status: string;
  /** The `Keep-Alive: timeout=N` the answer carried, in ms (undefined: none). */
  advertisedMs: number | undefined;
  /** How long the connection stayed open after the answer, idle, until the gateway closed it (ms). */
  closedAfterMs: number | undefined;
}

/**
 * One GET on a raw keep-alive connection, then nothing: reads the answer's Keep-Alive hint and waits (up
 * to `waitMs`) for the gateway to close the idle connection. A client trusting the hint reuses the
 * connection until then; a gateway that closes it earlier loses the request sent as it closes.
 */
export function idleKeepAlive(port: number, waitMs: number, host = '127.0.0.1'): Promise<IdleKeepAlive> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let head = '';
    let answeredAt: number | undefined;
    let closedAfterMs: number | undefined;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const advertised = /\r\nkeep-alive:\s*timeout=(\d+)/i.exec(head)?.[1];
      resolve({
        status: /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 'none',
        advertisedMs: advertised === undefined ? undefined : Number(advertised) * 1000,
        closedAfterMs,
      });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('connect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: stage\r\n\r\n'));
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      answeredAt ??= performance.now();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (answeredAt !== undefined) closedAfterMs ??= performance.now() - answeredAt;
      finish();
    });
  });
}
