/**
 * The boot step: `driver.boot`, bounded by the boot timeout (plus a grace) and the run's signal, and
 * never throwing. A stage that came up only in part (some replicas unhealthy) is checked anyway when its
 * gateway serves: one bounded `GET /healthz` decides.
 */
import { ROUTES } from '../../contract/index.js';
import type { GateHttpClient, HttpClientOptions } from '../../http/gate-http-client.js';
import { formatSeconds } from '../../kit/duration.js';
import { describeRequestFailure, isSuccess } from '../../http/http-exchange.js';
import type { GateLogger } from '../../kit/gate-logger.js';
import type { Say } from '../../report/language.js';
import type { BootResult, StageDriver } from '../../stage/driver.js';
import { settleWithin } from '../../kit/settle.js';
import type { RunBounds } from '../run-bounds.js';

/** How long past the boot timeout a driver may take to give up on its own before the gate stops waiting. */
const BOOT_GRACE_MS = 15_000;
/** Bound of the one `GET /healthz` that decides whether a partly booted stage is checked anyway. */
const PARTIAL_BOOT_PROBE_MS = 3000;

export interface BootStep {
  driver: StageDriver;
  /** Shape of the stage, from the settings. */
  replicas: number;
  narratorMaxConcurrency: number;
  bootTimeoutSeconds: number;
  /** The gateway's URL when the driver gives none (an external stage's base-url). */
  baseUrl: string;
  /** Extra environment for the stage's processes (tests use it to break a stage on purpose). */
  stageEnv: Record<string, string> | undefined;
  createHttpClient: (options: HttpClientOptions) => GateHttpClient;
  bounds: RunBounds;
  logger: GateLogger;
  say: Say;
}

/** Boots the stage and, when it came up only in part, decides whether the gateway serves anyway. */
export async function bootStage(step: BootStep): Promise<BootResult> {
  const { driver, logger, say } = step;
  logger.info(
    `boot: ${driver.kind} stage, ${step.replicas} api replicas, narrator limit ${step.narratorMaxConcurrency}, up to ${step.bootTimeoutSeconds} s`,
  );
  const booted = await bootBounded(step);
  if (booted.ok)
    logger.info(`boot: stage up at ${driver.baseUrl} in ${formatSeconds(Math.round(booted.durationMs))}`);
  else logger.warn(`boot failed: ${booted.reason ?? 'unknown reason'}`);
  if (booted.ok || !booted.partial) return booted;

  const probe = await probeGateway(step);
  if (probe.serves) {
    logger.info(`boot: partly booted, but the gateway answers (${probe.detail}): running the checks`);
    return booted;
  }
  logger.warn(`boot: partly booted, and the gateway does not serve (${probe.detail})`);
  return {
    ...booted,
    partial: false,
    reason: say(
      `${booted.reason ?? 'motivo desconhecido'}; o gateway não respondeu GET ${ROUTES.healthz} com um 2xx (${probe.detail})`,
      `${booted.reason ?? 'unknown reason'}; the gateway did not answer GET ${ROUTES.healthz} with a 2xx (${probe.detail})`,
    ),
  };
}

/** driver.boot, bounded by the boot timeout (plus a grace) and the run's signal; never throws. */
async function bootBounded(step: BootStep): Promise<BootResult> {
  const { bounds, say } = step;
  const bootTimeoutMs = step.bootTimeoutSeconds * 1000;
  // Called inside an async function, so a driver that throws at once is a crash like any other.
  const boot = (async () =>
    step.driver.boot(
      {
        replicas: step.replicas,
        narratorMaxConcurrency: step.narratorMaxConcurrency,
        bootTimeoutMs,
        ...(step.stageEnv ? { env: step.stageEnv } : {}),
      },
      bounds.signal,
    ))();
  const outcome = await settleWithin(boot, { limitMs: bootTimeoutMs + BOOT_GRACE_MS, signal: bounds.signal });
  switch (outcome.kind) {
    case 'done':
      return outcome.value;
    case 'crashed':
      return {
        ok: false,
        reason: (outcome.error as Error)?.message ?? String(outcome.error),
        services: [],
        durationMs: 0,
      };
    case 'timeout':
      return {
        ok: false,
        reason: say(
          `o driver não terminou o boot dentro do boot-timeout (${step.bootTimeoutSeconds} s)`,
          `the driver did not finish booting within the boot timeout (${step.bootTimeoutSeconds} s)`,
        ),
        services: [],
        durationMs: bootTimeoutMs + BOOT_GRACE_MS,
      };
    case 'aborted':
      return { ok: false, reason: bounds.stopReason(), services: [], durationMs: 0 };
  }
}

/**
 * One bounded `GET /healthz` through the gateway of a partly booted stage: a 2xx means it serves, so
 * the checks can run. Never throws.
 */
async function probeGateway(step: BootStep): Promise<{ serves: boolean; detail: string }> {
  const { say } = step;
  const { signal } = step.bounds;
  const baseUrl = step.driver.baseUrl || step.baseUrl;
  if (!baseUrl)
    return {
      serves: false,
      detail: say('o driver não dá a URL do gateway', 'the driver gives no gateway URL'),
    };
  if (signal.aborted) return { serves: false, detail: say('a execução parou', 'the run was stopped') };
  let client: GateHttpClient;
  try {
    client = step.createHttpClient({ baseUrl, timeoutMs: PARTIAL_BOOT_PROBE_MS, signal });
  } catch (error) {
    return { serves: false, detail: (error as Error).message };
  }
  try {
    const exchange = await client.get(ROUTES.healthz);
    const answer = [
      ...(exchange.status !== undefined ? [`HTTP ${exchange.status}`] : []),
      ...(exchange.failure !== undefined ? [describeRequestFailure(exchange.failure, say)] : []),
    ].join(', ');
    return {
      serves: isSuccess(exchange),
      detail: `${baseUrl}${ROUTES.healthz}: ${answer || say('sem resposta', 'no answer')}`,
    };
  } catch (error) {
    return { serves: false, detail: `${baseUrl}: ${(error as Error).message}` };
  } finally {
    await client.close().catch(() => undefined);
  }
}
