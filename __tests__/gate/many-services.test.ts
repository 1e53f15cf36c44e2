/**
 * A gate run on a stage with eight services reads every service's log with one abort listener on the
 * run's signal: a driver that listens on the signal it is given (as the compose driver's commands do,
 * one listener per command) no longer piles listeners on one signal, so Node never prints
 * MaxListenersExceededWarning ("11 abort listeners added to [AbortSignal]").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGate } from '../../src/gate/run-gate.js';
import { parseGateSettings } from '../../src/gate/settings.js';
import type { BootResult, ServiceStatus, StageDriver } from '../../src/stage/driver.js';

const SERVICES = ['backend', 'proxy', 'redis', 'llm', 'prometheus', 'worker', 'queue', 'cron'];

/** Eight services, a boot that failed (so every log tail is read), logs that listen on their signal. */
function eightServiceDriver(listened: AbortSignal[]): StageDriver {
  const rows: ServiceStatus[] = SERVICES.map((service) => ({
    service,
    name: `own-${service}-1`,
    state: 'running',
    health: 'none',
  }));
  const boot: BootResult = {
    ok: false,
    reason: 'one replica never got healthy',
    services: rows,
    durationMs: 1,
  };
  return {
    kind: 'compose',
    baseUrl: '',
    boot: async () => boot,
    services: async () => rows,
    logs: async (service, _maxLines, signal) => {
      // Two commands per service, each listening until it ends, as `docker compose logs` does.
      const listeners = [() => undefined, () => undefined];
      for (const listener of listeners) signal?.addEventListener('abort', listener);
      if (signal) listened.push(signal);
      await new Promise((resolve) => setTimeout(resolve, 20));
      for (const listener of listeners) signal?.removeEventListener('abort', listener);
      return [`${service} says hello`];
    },
    metrics: () => undefined,
    teardown: async () => undefined,
  };
}

test('no MaxListenersExceededWarning on a gate run over a stage with 8 services', async () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('warning', onWarning);
  const listened: AbortSignal[] = [];
  try {
    const report = await runGate(
      parseGateSettings({ driver: 'external', baseUrl: 'http://127.0.0.1:9', language: 'en' }),
      { driver: eightServiceDriver(listened), skipPreflight: true },
    );
    assert.equal(report.verdict, 'boot-failed');
    assert.deepEqual(
      report.serviceLogs?.services.map((entry) => entry.service).sort(),
      [...SERVICES].sort(),
      'every service log was read',
    );
    // Each service read its log with a signal of its own.
    assert.equal(new Set(listened).size, SERVICES.length);
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(
    warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning').map((w) => w.message),
    [],
  );
});
