/**
 * Every option of the gate, read and validated in one place. The action's inputs and the CLI's flags are
 * the kebab-case form of these camelCase names; `GATE_OPTIONS` describes each one once (flag, default,
 * expected form, description) so action.yml, `--help` and the README cannot drift from the schema.
 *
 * Values may arrive as typed values (tests, programmatic use) or as the strings an action input or a
 * CLI flag carries: blank means "use the default", numbers and booleans are parsed, lists are split.
 * Errors name the option and the expected form, never a zod dump.
 */
import { z } from 'zod';
import { RUN_PLACEHOLDER } from '../checks/client-id.js';
import { ASK_LIMITS, METRICS, REPLICA_HEADER } from '../contract/index.js';
import { CHECK_IDS, type CheckId } from '../report/model.js';
import { REPORT_FILE_MAX_BYTES } from '../report/report-file.js';
import { P95_MIN_GROWTH_MS } from '../report/trend.js';
import { FAIL_POLICIES } from '../report/verdict.js';

export const DRIVERS = ['compose', 'local', 'external'] as const;
export const LANGUAGES = ['pt-BR', 'en'] as const;
/**
 * `gate`: boot the stage, run the checks, report. `publish`: boot nothing; post a report an earlier
 * gate run wrote (the `workflow_run` half of the set-up for pull requests from forks).
 */
export const MODES = ['gate', 'publish'] as const;
export type Mode = (typeof MODES)[number];

/** Default gateway URL of the compose stage (deploy/docker/docker-compose.stage.yaml publishes 8000). */
export const DEFAULT_COMPOSE_BASE_URL = 'http://127.0.0.1:8000';

export const DEFAULT_LLM_QUESTIONS = [
  'Explique o que é dividend yield em fundos imobiliários',
  'Explique a diferença entre FII de papel e FII de tijolo',
  'Explique o que é vacância física de um fundo imobiliário',
  'Explique como funciona a amortização de cotas de um FII',
  'Explique o que é o P/VP de um fundo imobiliário',
  'Explique o que é um fundo de fundos (FOF)',
  'Explique como o IFIX é calculado',
  'Explique a tributação dos rendimentos de FIIs para pessoa física',
  'Explique o que são CRIs na carteira de um FII',
  'Explique o que é a taxa de administração de um fundo imobiliário',
  'Explique o que é liquidez diária de um FII',
  'Explique o que significa um fundo imobiliário ser monoativo',
] as const;

// ---------------------------------------------------------------------------------------------------
// Coercion from input strings: blank → default, "3" → 3, "true" → true, "a, b" → ['a', 'b'].

const isBlank = (value: unknown) => value === undefined || (typeof value === 'string' && value.trim() === '');

function toNumber(value: unknown): unknown {
  if (isBlank(value)) return undefined;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return value;
}

function toBoolean(value: unknown): unknown {
  if (isBlank(value)) return undefined;
  if (typeof value !== 'string') return value;
  const normalized = value.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(normalized)) return true;
  if (['false', 'no', 'off', '0'].includes(normalized)) return false;
  return value;
}

/** Ids and names: comma- or newline-separated. */
function toIdList(value: unknown): unknown {
  if (isBlank(value)) return undefined;
  if (typeof value !== 'string') return value;
  return value
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Questions may contain commas: one per line (a multi-line action input, or a repeated CLI flag). */
function toLineList(value: unknown): unknown {
  if (isBlank(value)) return undefined;
  if (typeof value !== 'string') return value;
  return value
    .split('\n')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function toText(value: unknown): unknown {
  if (isBlank(value)) return undefined;
  return typeof value === 'string' ? value.trim() : value;
}

const wholeNumber = (min: number, max: number, fallback: number) =>
  z.preprocess(toNumber, z.number().int().min(min).max(max).default(fallback));
const flag = (fallback: boolean) => z.preprocess(toBoolean, z.boolean().default(fallback));
const text = (fallback: string, pattern?: RegExp, maxChars = 1000) => {
  let schema = z.string().min(1).max(maxChars);
  if (pattern) schema = schema.regex(pattern);
  return z.preprocess(toText, schema.default(fallback));
};
const optionalText = () => z.preprocess(toText, z.string().min(1).optional());
const httpUrl = z.url({ protocol: /^https?$/ });
const optionalUrl = () => z.preprocess(toText, httpUrl.optional());
const enumOf = <T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  z.preprocess(toText, z.enum(values).default(fallback as never));

const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;
/** The contract's client id alphabet, plus the run placeholder. */
const CLIENT_ID = /^([A-Za-z0-9._:@-]|\{run\})+$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A dotted path into the JSON answer, e.g. `meta.compute.plan_cache_hit`. */
const FIELD_PATH = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

/** A commit id: SHA-1 (40 hex digits) or SHA-256 (64). */
const COMMIT_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;

const question = () =>
  z.string().min(1).max(ASK_LIMITS.questionMaxChars, `at most ${ASK_LIMITS.questionMaxChars} characters`);

// ---------------------------------------------------------------------------------------------------

export const GateSettingsSchema = z
  .strictObject({
    driver: enumOf(DRIVERS, 'compose'),
    composeFile: text('deploy/docker/docker-compose.stage.yaml'),
    projectName: text('stagegate', PROJECT_NAME, 63),
    apiService: text('api', SERVICE_NAME, 63),
    gatewayService: text('gateway', SERVICE_NAME, 63),
    replicas: wholeNumber(1, 20, 3),
    requiredServices: z.preprocess(
      toIdList,
      z
        .array(z.string().regex(SERVICE_NAME))
        .max(50)
        .default(['redis', 'ollama', 'prometheus', 'grafana', 'tempo']),
    ),
    services: z.preprocess(toIdList, z.array(z.string().regex(SERVICE_NAME)).max(50).default([])),
    composeEnvFile: optionalText(),
    build: flag(true),
    bootTimeoutSeconds: wholeNumber(5, 3600, 300),
    baseUrl: optionalUrl(),
    checks: z.preprocess(
      (value) => {
        const list = toIdList(value);
        return Array.isArray(list) && list.length === 1 && list[0] === 'all' ? undefined : list;
      },
      z
        .array(z.string())
        .min(1)
        .default([...CHECK_IDS])
        .superRefine((ids, ctx) => {
          const unknown = ids.filter((id) => !(CHECK_IDS as readonly string[]).includes(id));
          if (unknown.length > 0)
            ctx.addIssue({
              code: 'custom',
              message: `unknown check ${unknown.map((id) => `'${id}'`).join(', ')}; valid checks: ${CHECK_IDS.join(', ')} (or 'all')`,
            });
        })
        // Canonical order, no duplicates: stage-up first, whatever order the user wrote them in.
        .transform((ids) => CHECK_IDS.filter((id) => ids.includes(id)) as CheckId[]),
    ),
    healthzRequests: wholeNumber(1, 500, 20),
    singleFlightBurst: wholeNumber(2, 1000, 20),
    narratorBurst: wholeNumber(2, 1000, 10),
    concurrency: wholeNumber(1, 200, 10),
    narratorMaxConcurrency: wholeNumber(0, 64, 1),
    publicQuestion: z.preprocess(toText, question().default('Qual o preço atual do MXRF11?')),
    privateQuestion: z.preprocess(toText, question().default('Como está minha carteira?')),
    llmQuestions: z.preprocess(
      toLineList,
      z
        .array(question())
        .min(2)
        .max(1000)
        .default([...DEFAULT_LLM_QUESTIONS])
        .superRefine((list, ctx) => {
          const seen = new Set<string>();
          for (const item of list) {
            const key = item.toLowerCase();
            if (seen.has(key)) ctx.addIssue({ code: 'custom', message: `duplicate question '${item}'` });
            seen.add(key);
          }
        }),
    ),
    clientA: text('client-a', CLIENT_ID, ASK_LIMITS.idMaxChars - 16),
    clientB: text('client-b', CLIENT_ID, ASK_LIMITS.idMaxChars - 16),
    requestTimeoutSeconds: wholeNumber(1, 600, 30),
    latencyBudgetFactor: z.preprocess(toNumber, z.number().min(1).max(100).default(3)),
    latencyBudgetMs: wholeNumber(0, 600_000, 500),
    healthzLatencyBudgetMs: wholeNumber(10, 60_000, 1000),
    prometheusUrl: optionalUrl(),
    heavyExecutionsMetric: text(METRICS.heavyExecutions, METRIC_NAME, 200),
    narratorRequestsMetric: text(METRICS.narratorLlmRequests, METRIC_NAME, 200),
    replicaHeader: z.preprocess(
      toText,
      z
        .string()
        .regex(HEADER_NAME)
        .max(100)
        .default(REPLICA_HEADER)
        .transform((name) => name.toLowerCase()),
    ),
    answerPath: text('answer', FIELD_PATH, 200),
    errorPath: text('error', FIELD_PATH, 200),
    cacheHitPath: text('meta.compute.plan_cache_hit', FIELD_PATH, 200),
    cacheKeyPath: text('meta.compute.plan_cache_key', FIELD_PATH, 200),
    overloadPath: text('meta.narrative_overload', FIELD_PATH, 200),
    language: enumOf(LANGUAGES, 'pt-BR'),
    failOn: enumOf(FAIL_POLICIES, 'fail'),
    keepStage: flag(false),
    globalDeadlineSeconds: wholeNumber(30, 7200, 1200),
    logDir: optionalText(),
    jsonReport: optionalText(),
    baselineReport: optionalText(),
    regressionP95Factor: z.preprocess(toNumber, z.number().min(1).max(100).default(2)),
    mode: enumOf(MODES, 'gate'),
    reportFile: optionalText(),
    pullRequestNumber: z.preprocess(toNumber, z.number().int().min(1).max(2_147_483_647).optional()),
    headSha: z.preprocess(toText, z.string().regex(COMMIT_SHA).optional()),
  })
  .superRefine((settings, ctx) => {
    if (settings.mode === 'publish' && !settings.reportFile)
      ctx.addIssue({
        code: 'custom',
        path: ['reportFile'],
        message: 'required when mode is publish (the JSON report an earlier gate run wrote)',
      });
    if (settings.driver === 'external' && !settings.baseUrl)
      ctx.addIssue({
        code: 'custom',
        path: ['baseUrl'],
        message:
          'required when driver is external (the URL of the stage gateway, e.g. https://stage.example.com)',
      });
    if (settings.globalDeadlineSeconds <= settings.bootTimeoutSeconds)
      ctx.addIssue({
        code: 'custom',
        path: ['globalDeadlineSeconds'],
        message: `must be greater than boot-timeout-seconds (${settings.bootTimeoutSeconds}), so the checks get time after the boot`,
      });
    for (const service of [settings.apiService, settings.gatewayService])
      if (settings.services.length > 0 && !settings.services.includes(service))
        ctx.addIssue({
          code: 'custom',
          path: ['services'],
          message: `must include the ${service === settings.apiService ? 'api' : 'gateway'} service '${service}' when it names services to boot`,
        });
    if (settings.clientA === settings.clientB)
      ctx.addIssue({ code: 'custom', path: ['clientB'], message: 'must differ from client-a' });
  })
  .transform((settings) => ({
    ...settings,
    baseUrl: settings.baseUrl ?? (settings.driver === 'compose' ? DEFAULT_COMPOSE_BASE_URL : undefined),
  }));

export type GateSettings = z.output<typeof GateSettingsSchema>;
/** What a caller may pass: every option optional, as typed values or as input strings. */
export type GateSettingsInput = Partial<Record<keyof GateSettings, unknown>>;
export type GateOptionName = keyof GateSettings;

// ---------------------------------------------------------------------------------------------------

export type OptionKind = 'string' | 'number' | 'boolean' | 'list' | 'lines' | 'enum';

export interface GateOption {
  /** camelCase key of GateSettings. */
  name: GateOptionName;
  /** Action input name and CLI flag (without `--`). */
  kebab: string;
  kind: OptionKind;
  /** The default as a user would write it (a string, as in action.yml); '' when there is none. */
  defaultText: string;
  /** Expected form, used in error messages and `--help`. */
  expected: string;
  description: string;
}

const kebabOf = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

const option = (
  name: GateOptionName,
  kind: OptionKind,
  defaultText: string,
  expected: string,
  description: string,
): GateOption => ({ name, kebab: kebabOf(name), kind, defaultText, expected, description });

/** Every option, in the order they are documented. Tested against the schema's keys and defaults. */
export const GATE_OPTIONS: readonly GateOption[] = [
  option(
    'driver',
    'enum',
    'compose',
    `one of ${DRIVERS.join(', ')}`,
    'How the stage is run: docker compose, local processes (the reference stage), or an already-running stage at base-url.',
  ),
  option(
    'composeFile',
    'string',
    'deploy/docker/docker-compose.stage.yaml',
    'a path to a compose file',
    'Compose file of the stage (compose driver).',
  ),
  option(
    'projectName',
    'string',
    'stagegate',
    'a compose project name (lowercase letters, digits, - and _)',
    'Compose project name (compose driver).',
  ),
  option(
    'apiService',
    'string',
    'api',
    'a service name',
    'Name of the API service whose replicas are counted and whose logs are read.',
  ),
  option(
    'gatewayService',
    'string',
    'gateway',
    'a service name',
    'Name of the gateway service in front of the API replicas.',
  ),
  option(
    'replicas',
    'number',
    '3',
    'a whole number from 1 to 20',
    'Number of API replicas to boot and expect behind the gateway.',
  ),
  option(
    'requiredServices',
    'list',
    'redis,ollama,prometheus,grafana,tempo',
    'service names, comma-separated',
    'Services that must be running and healthy besides the API and the gateway (compose driver).',
  ),
  option(
    'services',
    'list',
    '',
    'service names, comma-separated',
    'Boot only these services and what they depend on (compose driver; empty: every service of the file). Required services left out are reported as not booted.',
  ),
  option(
    'composeEnvFile',
    'string',
    '',
    'a path to an env file',
    'Passed to docker compose as --env-file: the variables the compose file interpolates, e.g. image names for a registry mirror (compose driver).',
  ),
  option('build', 'boolean', 'true', 'true or false', 'Build the images before booting (compose driver).'),
  option(
    'bootTimeoutSeconds',
    'number',
    '300',
    'a whole number of seconds from 5 to 3600',
    'Upper bound for booting the stage and waiting until it is healthy.',
  ),
  option(
    'baseUrl',
    'string',
    // No unconditional default: compose has one, external must be given, local picks its own.
    '',
    'an http(s) URL',
    `URL of the stage's gateway. Required with driver external; compose defaults to ${DEFAULT_COMPOSE_BASE_URL}; the local driver picks a free port.`,
  ),
  option(
    'checks',
    'list',
    'all',
    `check ids, comma-separated: ${CHECK_IDS.join(', ')} (or all)`,
    'Which checks to run. The stage is booted whatever the selection.',
  ),
  option(
    'healthzRequests',
    'number',
    '20',
    'a whole number from 1 to 500',
    'load-balancing: GET /healthz requests sent through the gateway.',
  ),
  option(
    'singleFlightBurst',
    'number',
    '20',
    'a whole number from 2 to 1000',
    'plan-cache-single-flight: identical public asks fired at once.',
  ),
  option(
    'narratorBurst',
    'number',
    '10',
    'a whole number from 2 to 1000',
    'narrator-saturation: distinct LLM-bound asks fired at once.',
  ),
  option(
    'concurrency',
    'number',
    '10',
    'a whole number from 1 to 200',
    'load-balancing: /healthz requests in flight at a time.',
  ),
  option(
    'narratorMaxConcurrency',
    'number',
    '1',
    'a whole number from 0 to 64',
    "LLM calls allowed in flight per replica, passed to the stage's environment as NARRATOR_MAX_CONCURRENCY (0: no limit, so narrator-saturation is expected to fail).",
  ),
  option(
    'publicQuestion',
    'string',
    'Qual o preço atual do MXRF11?',
    `a question of at most ${ASK_LIMITS.questionMaxChars} characters`,
    'plan-cache-single-flight: the public question whose plan every client shares.',
  ),
  option(
    'privateQuestion',
    'string',
    'Como está minha carteira?',
    `a question of at most ${ASK_LIMITS.questionMaxChars} characters`,
    "private-isolation: a question whose answer holds the asking client's private data.",
  ),
  option(
    'llmQuestions',
    'lines',
    DEFAULT_LLM_QUESTIONS.join('\n'),
    'at least two distinct questions, one per line',
    'narrator-saturation: distinct questions that each need the LLM. Reused with a numbered suffix when the burst is larger.',
  ),
  option(
    'clientA',
    'string',
    'client-a',
    `a client id (letters, digits, . _ : @ -; ${RUN_PLACEHOLDER} is replaced by a per-run token)`,
    `private-isolation: first client, one whose portfolio holds data (the reference stage seeds client-a and client-b). A ${RUN_PLACEHOLDER} in it is replaced by a per-run token, for stages that give every client data, so re-runs start cold.`,
  ),
  option(
    'clientB',
    'string',
    'client-b',
    `a client id (letters, digits, . _ : @ -; ${RUN_PLACEHOLDER} is replaced by a per-run token)`,
    'private-isolation: second client; must differ from client-a.',
  ),
  option(
    'requestTimeoutSeconds',
    'number',
    '30',
    'a whole number of seconds from 1 to 600',
    'Timeout of every single HTTP request the gate sends.',
  ),
  option(
    'latencyBudgetFactor',
    'number',
    '3',
    'a number from 1 to 100',
    "plan-cache-single-flight: the burst's p95 latency may be at most this many times the leader's latency ...",
  ),
  option(
    'latencyBudgetMs',
    'number',
    '500',
    'a whole number of milliseconds from 0 to 600000',
    '... plus this many milliseconds; above that the check warns of a latency explosion.',
  ),
  option(
    'healthzLatencyBudgetMs',
    'number',
    '1000',
    'a whole number of milliseconds from 10 to 60000',
    'narrator-saturation: the slowest /healthz probe during the LLM burst must answer within this.',
  ),
  option(
    'prometheusUrl',
    'string',
    '',
    'an http(s) URL',
    'Prometheus to read the stage\'s counters from; when unset the driver\'s own source (direct scrapes) is used where it has one. With driver external it also shows the api replicas: stage-up counts the targets of the scrape job named like api-service (up{job="api"}).',
  ),
  option(
    'heavyExecutionsMetric',
    'string',
    METRICS.heavyExecutions,
    'a Prometheus metric name',
    'Counter of heavy executions (summed over replicas it must grow by exactly one per burst).',
  ),
  option(
    'narratorRequestsMetric',
    'string',
    METRICS.narratorLlmRequests,
    'a Prometheus metric name',
    'Counter of LLM calls by `outcome` label; the `overload` outcome must appear under the burst.',
  ),
  option(
    'replicaHeader',
    'string',
    REPLICA_HEADER,
    'an HTTP header name',
    'Response header naming the replica that answered.',
  ),
  option(
    'answerPath',
    'string',
    'answer',
    'a dotted JSON path',
    'Where the answer text is in an /ask response.',
  ),
  option(
    'errorPath',
    'string',
    'error',
    'a dotted JSON path',
    'Where the error code is in an /ask response.',
  ),
  option(
    'cacheHitPath',
    'string',
    'meta.compute.plan_cache_hit',
    'a dotted JSON path',
    'Where the plan-cache hit flag (boolean) is in an /ask response.',
  ),
  option(
    'cacheKeyPath',
    'string',
    'meta.compute.plan_cache_key',
    'a dotted JSON path',
    'Where the plan-cache key is in an /ask response.',
  ),
  option(
    'overloadPath',
    'string',
    'meta.narrative_overload',
    'a dotted JSON path',
    'Where the narrator-overload flag (boolean) is in an /ask response.',
  ),
  option('language', 'enum', 'pt-BR', `one of ${LANGUAGES.join(', ')}`, 'Language of the report.'),
  option(
    'failOn',
    'enum',
    'fail',
    `one of ${FAIL_POLICIES.join(', ')}`,
    'When the step fails: on ❌ or a boot failure (fail), also on ⚠️ (warn), or never (never).',
  ),
  option(
    'keepStage',
    'boolean',
    'false',
    'true or false',
    'Leave the stage running after the checks (no teardown).',
  ),
  option(
    'globalDeadlineSeconds',
    'number',
    '1200',
    'a whole number of seconds from 30 to 7200, above boot-timeout-seconds',
    'Deadline of the whole run: boot, checks and teardown.',
  ),
  option(
    'logDir',
    'string',
    '',
    'a directory path',
    "Where each service's log is written at teardown (not written when unset).",
  ),
  option(
    'jsonReport',
    'string',
    '',
    'a file path',
    'Where the JSON report is written (not written when unset).',
  ),
  option(
    'baselineReport',
    'string',
    '',
    'a file path',
    "An earlier JSON report to compare with (the base branch's): the report then shows per check what changed and calls out regressions. A missing file only adds a line saying there is no baseline.",
  ),
  option(
    'regressionP95Factor',
    'number',
    '2',
    'a number from 1 to 100',
    `Against the baseline, the single-flight burst's p95 latency may grow up to this many times (or by less than ${P95_MIN_GROWTH_MS} ms) before it is called a regression.`,
  ),
  option(
    'mode',
    'enum',
    'gate',
    `one of ${MODES.join(', ')}`,
    'gate: boot the stage, run the checks and report. publish: boot nothing; render the JSON report at report-file and post it as the sticky comment of pull-request-number (the workflow_run half of the set-up for pull requests from forks).',
  ),
  option(
    'reportFile',
    'string',
    '',
    'a file path',
    `publish: the JSON report an earlier gate run wrote (e.g. downloaded from its artifact). Checked before use: at most ${REPORT_FILE_MAX_BYTES / 1024 / 1024} MiB, one of our report formats.`,
  ),
  option(
    'pullRequestNumber',
    'number',
    '',
    'a whole number from 1',
    'publish: the pull request the report belongs to.',
  ),
  option(
    'headSha',
    'string',
    '',
    'a commit id (40 or 64 hex digits)',
    "publish: the commit the report was made for (github.event.workflow_run.head_sha). When given, the comment is posted only if the pull request's head is this commit, so a report cannot be steered onto another pull request.",
  ),
];

const OPTIONS_BY_NAME = new Map(GATE_OPTIONS.map((entry) => [entry.name, entry]));

/** A mistake in the gate's options, worded for the user. Kept apart from bugs by its type. */
export class SettingsError extends Error {
  constructor(
    message: string,
    /** Kebab-case name of the option at fault, when there is one. */
    readonly option?: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return '';
  const shown = (typeof value === 'string' ? value : JSON.stringify(value)).replace(/\r?\n/g, '\\n');
  return ` '${shown.length > 80 ? `${shown.slice(0, 77)}...` : shown}'`;
}

/** Validate and default every option. Throws a SettingsError naming the first bad option. */
export function parseGateSettings(input: GateSettingsInput = {}): GateSettings {
  const result = GateSettingsSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => `'${kebabOf(key)}'`).join(', ');
    throw new SettingsError(
      `Unknown option ${keys}. Valid options: ${GATE_OPTIONS.map((o) => o.kebab).join(', ')}.`,
    );
  }
  const name = issue.path[0] as GateOptionName | undefined;
  const meta = name ? OPTIONS_BY_NAME.get(name) : undefined;
  if (!meta) throw new SettingsError(`Invalid options: ${issue.message}`);
  const raw = input[meta.name];
  const detail = issue.code === 'custom' ? issue.message : `expected ${meta.expected}`;
  throw new SettingsError(`Invalid ${meta.kebab}${describeValue(raw)}: ${detail}.`, meta.kebab);
}

/** The documentation row of an option, by camelCase name. */
export function describeOption(name: GateOptionName): GateOption {
  return OPTIONS_BY_NAME.get(name)!;
}
