/**
 * Checks of the options against the world, before anything boots: the compose file exists, the
 * external stage's URL answers at all. A failure is a SettingsError naming the option, like a bad value.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ROUTES } from '../contract/index.js';
import { createGateHttpClient } from '../http/gate-http-client.js';
import { SettingsError, type GateSettings } from './settings.js';

export interface PreflightDeps {
  /** Where relative paths are resolved from (default: the working directory). */
  cwd?: string;
  /** Bound of the reachability probe of an external stage. */
  probeTimeoutMs?: number;
}

export async function preflight(settings: GateSettings, deps: PreflightDeps = {}): Promise<void> {
  if (settings.driver === 'compose') {
    const path = resolve(deps.cwd ?? process.cwd(), settings.composeFile);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile())
      throw new SettingsError(
        `Invalid compose-file '${settings.composeFile}': ${info ? 'not a file' : 'no such file'} (looked at ${path}).`,
        'compose-file',
      );
  }
  if (settings.driver === 'external' && settings.baseUrl) {
    // Any HTTP answer means "reachable": whether it is a good answer is for the checks to say.
    const client = createGateHttpClient({
      baseUrl: settings.baseUrl,
      timeoutMs: deps.probeTimeoutMs ?? 5000,
    });
    try {
      const exchange = await client.get(ROUTES.healthz);
      if (exchange.error !== undefined && exchange.status === undefined)
        throw new SettingsError(
          `Invalid base-url '${settings.baseUrl}': nothing answers there (${exchange.error}).`,
          'base-url',
        );
    } finally {
      await client.close();
    }
  }
}
