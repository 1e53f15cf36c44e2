/**
 * The command line of `npm run stage:local`: its flags, parsed and validated into what the local
 * driver takes, and the services table it prints.
 */
import { parseArgs } from 'node:util';
import type { ServiceStatus } from '../driver.js';
import type { LocalStageOptions } from './local-driver.js';
import { inEnglish } from '../../report/language.js';
import { describeServiceDetail } from '../stage-words.js';
import { formatTable } from '../../kit/text-table.js';

export const USAGE = `Usage: npm run stage:local -- [options]

Boots the reference stage as local processes on free loopback ports (redis-server, the Ollama
simulator, N api replicas, HAProxy, Prometheus), prints where everything is, and tears it all down
on Ctrl-C.

Options:
  --replicas N                  api replicas, 1-20 (default 3)
  --narrator-max-concurrency N  concurrent LLM calls per replica, 0 = unlimited (default 1)
  --boot-timeout-seconds N      give up booting after N seconds (default 120)
  --env KEY=VALUE               extra env for every replica (repeatable), e.g. --env SINGLE_FLIGHT_ENABLED=false
  --replica-env I:KEY=VALUE     extra env for replica I only (repeatable), e.g. --replica-env 2:FAULT_INJECTION=healthz-fail
  --ollama-url URL              use a real Ollama instead of the simulator (default: $OLLAMA_URL if set)
  --ollama-model NAME           model the narrator uses (with a real Ollama it must be pulled already)
  --no-prometheus               do not start Prometheus
  --log-dir DIR                 copy every service's log there on teardown
  -h, --help                    show this help`;

export interface StageArgs {
  replicas: number;
  narratorMaxConcurrency: number;
  bootTimeoutMs: number;
  env: Record<string, string>;
  options: LocalStageOptions;
  logDir?: string;
}

export class UsageError extends Error {}

function wholeNumber(
  flag: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  return Number(value);
}

function keyValue(flag: string, text: string): [string, string] {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(text);
  if (!match) throw new UsageError(`--${flag} expects KEY=VALUE, got "${text}"`);
  return [match[1]!, match[2]!];
}

export function parseStageArgs(
  argv: string[],
  environment: NodeJS.ProcessEnv = process.env,
): StageArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        replicas: { type: 'string' },
        'narrator-max-concurrency': { type: 'string' },
        'boot-timeout-seconds': { type: 'string' },
        env: { type: 'string', multiple: true },
        'replica-env': { type: 'string', multiple: true },
        'ollama-url': { type: 'string' },
        'ollama-model': { type: 'string' },
        'no-prometheus': { type: 'boolean' },
        'log-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values;
  if (values.help) return 'help';
  const replicas = wholeNumber('replicas', values.replicas, 3, 1, 20);
  const env = Object.fromEntries((values.env ?? []).map((text) => keyValue('env', text)));
  const replicaEnv: Record<number, Record<string, string>> = {};
  for (const text of values['replica-env'] ?? []) {
    const match = /^(\d+):(.*)$/s.exec(text);
    if (!match) throw new UsageError(`--replica-env expects I:KEY=VALUE, got "${text}"`);
    const index = Number(match[1]);
    if (index < 1 || index > replicas)
      throw new UsageError(`--replica-env names replica ${index}, but replicas are numbered 1..${replicas}`);
    const [key, value] = keyValue('replica-env', match[2]!);
    (replicaEnv[index] ??= {})[key] = value;
  }
  const ollamaUrl = values['ollama-url'] ?? environment.OLLAMA_URL;
  if (ollamaUrl !== undefined && !/^https?:\/\/\S+$/.test(ollamaUrl))
    throw new UsageError(`--ollama-url must be an http(s) URL, got "${ollamaUrl}"`);
  return {
    replicas,
    narratorMaxConcurrency: wholeNumber(
      'narrator-max-concurrency',
      values['narrator-max-concurrency'],
      1,
      0,
      1000,
    ),
    bootTimeoutMs: wholeNumber('boot-timeout-seconds', values['boot-timeout-seconds'], 120, 1, 3600) * 1000,
    env,
    options: {
      replicaEnv,
      ...(ollamaUrl ? { ollamaUrl } : {}),
      ...(values['ollama-model'] ? { ollamaModel: values['ollama-model'] } : {}),
      ...(values['no-prometheus'] ? { prometheus: false } : {}),
    },
    ...(values['log-dir'] ? { logDir: values['log-dir'] } : {}),
  };
}

/** `docker compose ps`-like table. */
export function formatServices(rows: ServiceStatus[]): string {
  const header = ['SERVICE', 'NAME', 'STATE', 'HEALTH', 'ADDRESS', 'DETAIL'];
  const cells = rows.map((row) => [
    row.service,
    row.name,
    row.state,
    row.health,
    row.address ?? '',
    describeServiceDetail(row, inEnglish),
  ]);
  return formatTable([header, ...cells]);
}
