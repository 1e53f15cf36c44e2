/**
 * The gate's own burst (src/http/burst.ts): how far apart 20 "simultaneous" requests really leave
 * (first to last request's headers on the wire, from undici's diagnostics channel), and what each
 * request costs the gate's process in CPU. The requests are the gate's single-flight burst (identical
 * POST /ask from distinct clients), sent to the trivial control server, so the server's own work does
 * not blur the client's, and to the stage's gateway (a cached question).
 */
import { ROUTES } from '../../src/contract/index.js';
import { fireBurst } from '../../src/http/burst.js';
import { askBody } from './bench-questions.js';

export interface GateBurstMeasurement {
  size: number;
  dispatchSpreadMs: number;
  /** Opening every connection beforehand. */
  connectMs: number;
  /** Release → last answer read. */
  totalMs: number;
  /** CPU (user + system) of this process for the whole burst, per request, in microseconds. */
  clientCpuUsPerRequest: number;
  failures: number;
}

export async function measureGateBurst(
  baseUrl: string,
  question: string,
  size = 20,
): Promise<GateBurstMeasurement> {
  const requests = Array.from({ length: size }, (_, index) => ({
    method: 'POST' as const,
    path: ROUTES.ask,
    body: askBody(question, `gate-burst-${index + 1}`),
  }));
  const cpuBefore = process.cpuUsage();
  const burst = await fireBurst({ baseUrl, requests, timeoutMs: 10_000 });
  const cpu = process.cpuUsage(cpuBefore);
  if (burst.dispatchSpreadMs === undefined) throw new Error('the burst recorded no send times');
  return {
    size,
    dispatchSpreadMs: burst.dispatchSpreadMs,
    connectMs: burst.connectMs,
    totalMs: Math.max(...burst.exchanges.map((exchange) => exchange.startedAtMs + exchange.durationMs)),
    clientCpuUsPerRequest: (cpu.user + cpu.system) / size,
    failures: burst.exchanges.filter((exchange) => exchange.status !== 200).length,
  };
}
