/**
 * Every option, one row each: its kind with its bounds and default, its expected form and its words.
 * The zod schema (settings.ts), action.yml, `--help`, the CLI's flags and the table of inputs (docs/inputs.md)
 * are all made from these rows. Adding an option is adding a row here (and its tests).
 *
 * The key is the camelCase name in GateSettings; the action input and the CLI flag are its kebab-case.
 */
import { ASK_LIMITS, METRICS, REPLICA_HEADER } from '../../contract/index.js';
import { CHECK_IDS } from '../../report/model.js';
import { LANGUAGES } from '../../report/language.js';
import { REPORT_FILE_MAX_BYTES } from '../../report/report-file.js';
import { P95_MIN_GROWTH_MS } from '../../report/trend.js';
import {
  COMPOSE_DEFAULT_BASE_URL,
  COMPOSE_FAILURE_LOG_LINES,
  PROJECT_NAME,
  SERVICE_NAME,
} from '../../stage/compose/compose-names.js';
import { DRIVER_KINDS } from '../../stage/driver.js';
import { METRIC_NAME } from '../../stage/metrics/prometheus-api-reader.js';
import {
  CLIENT_ID_TEMPLATE,
  COMMIT_SHA,
  DEFAULT_COMMENT_KEY,
  DEFAULT_LLM_QUESTIONS,
  FAIL_POLICIES,
  FIELD_PATH,
  HEADER_NAME,
  MODES,
  RUN_PLACEHOLDER,
} from './option-values.js';
import {
  choice,
  decimal,
  flag,
  idSelection,
  nameList,
  optionalText,
  optionalUrl,
  optionalWholeNumber,
  passthrough,
  question,
  questionLines,
  text,
  wholeNumber,
} from './row-kinds.js';

const serviceName = { expected: 'a service name', pattern: SERVICE_NAME, maxChars: 63 };
const serviceNames = { expected: 'service names, comma-separated', pattern: SERVICE_NAME, maxItems: 50 };
const clientId = {
  expected: `a client id (letters, digits, . _ : @ -; ${RUN_PLACEHOLDER} is replaced by a per-run token)`,
  pattern: CLIENT_ID_TEMPLATE,
  // Room for the per-run token that replaces the placeholder.
  maxChars: ASK_LIMITS.idMaxChars - 16,
};
const metricName = { expected: 'a Prometheus metric name', pattern: METRIC_NAME, maxChars: 200 };
const fieldPath = { expected: 'a dotted JSON path', pattern: FIELD_PATH, maxChars: 200 };

/** The gate's options: what GateSettings holds. Each is an action input and a CLI flag. */
export const GATE_OPTION_ROWS = {
  driver: choice({
    values: DRIVER_KINDS,
    default: 'compose',
    description:
      'How the stage is run: docker compose, local processes (the reference stage), or an already-running stage at base-url.',
  }),
  composeFile: text({
    default: 'deploy/docker/docker-compose.stage.yaml',
    expected: 'a path to a compose file',
    maxChars: 1000,
    description: 'Compose file of the stage (compose driver).',
  }),
  projectName: text({
    default: 'stagegate',
    expected: 'a compose project name (lowercase letters, digits, - and _)',
    pattern: PROJECT_NAME,
    maxChars: 63,
    description:
      "Compose project name (compose driver). Left at its default, the compose file's own `name:` is used (stagegate for the reference file), and the report says it was discovered.",
  }),
  apiService: text({
    ...serviceName,
    default: 'api',
    description:
      'Name of the API service whose replicas are counted and whose logs are read (the reference name; set it to your compose service).',
  }),
  gatewayService: text({
    ...serviceName,
    default: 'gateway',
    description: 'Name of the gateway service in front of the API replicas.',
  }),
  replicas: wholeNumber({
    min: 1,
    max: 20,
    default: 3,
    description: 'Number of API replicas to boot and expect behind the gateway.',
  }),
  requiredServices: nameList({
    ...serviceNames,
    default: ['redis', 'ollama', 'prometheus', 'grafana', 'tempo'],
    description:
      "Services that must be running and healthy besides the API and the gateway (compose driver). Left at its default: every other service of the compose file; the reference stage's services that the file lacks are reported as not in this stage.",
  }),
  services: nameList({
    ...serviceNames,
    default: [],
    description:
      'Boot only these services and what they depend on (compose driver; empty: every service of the file). Required services left out are reported as not booted.',
  }),
  composeEnvFile: optionalText({
    expected: 'a path to an env file',
    description:
      'Passed to docker compose as --env-file: the variables the compose file interpolates, e.g. image names for a registry mirror (compose driver).',
  }),
  build: flag({ default: true, description: 'Build the images before booting (compose driver).' }),
  bootTimeoutSeconds: wholeNumber({
    min: 5,
    max: 3600,
    default: 300,
    unit: 'seconds',
    description: 'Upper bound for booting the stage and waiting until it is healthy.',
  }),
  bootFailureLogLines: wholeNumber({
    min: 1,
    max: 1000,
    default: COMPOSE_FAILURE_LOG_LINES,
    description:
      "When the boot fails: the newest lines of each failing service's log quoted in the step's log, so the cause shows without opening the logs (compose driver). Raise it for a service whose start-up error is a long stack trace.",
  }),
  // No unconditional default: compose has one, external must be given, local picks its own.
  baseUrl: optionalUrl({
    description: `URL of the stage's gateway. Required with driver external; compose discovers it from the port the gateway service publishes (${COMPOSE_DEFAULT_BASE_URL} on the reference file); the local driver picks a free port.`,
    action: {
      description: `URL of the stage's gateway. Required with driver external. Blank: compose discovers it from the port the gateway service publishes (${COMPOSE_DEFAULT_BASE_URL} on the reference file), local picks a free port.`,
    },
  }),
  checks: idSelection({
    ids: CHECK_IDS,
    noun: 'check',
    description: 'Which checks to run. The stage is booted whatever the selection.',
  }),
  healthzRequests: wholeNumber({
    min: 1,
    max: 500,
    default: 20,
    description: 'load-balancing: GET /healthz requests sent through the gateway.',
  }),
  singleFlightBurst: wholeNumber({
    min: 2,
    max: 1000,
    default: 20,
    description: 'plan-cache-single-flight: identical public asks fired at once.',
  }),
  narratorBurst: wholeNumber({
    min: 2,
    max: 1000,
    default: 10,
    description: 'narrator-saturation: distinct LLM-bound asks fired at once.',
  }),
  concurrency: wholeNumber({
    min: 1,
    max: 200,
    default: 10,
    description: 'load-balancing: /healthz requests in flight at a time.',
  }),
  narratorMaxConcurrency: wholeNumber({
    min: 0,
    max: 64,
    default: 1,
    description:
      "LLM calls allowed in flight per replica, passed to the stage's environment as NARRATOR_MAX_CONCURRENCY (0: no limit, so narrator-saturation is expected to fail).",
  }),
  publicQuestion: question({
    default: 'Qual o preço atual do MXRF11?',
    description: 'plan-cache-single-flight: the public question whose plan every client shares.',
  }),
  privateQuestion: question({
    default: 'Como está minha carteira?',
    description: "private-isolation: a question whose answer holds the asking client's private data.",
  }),
  llmQuestions: questionLines({
    default: DEFAULT_LLM_QUESTIONS,
    minItems: 2,
    maxItems: 1000,
    description:
      'narrator-saturation: distinct questions that each need the LLM. Reused with a numbered suffix when the burst is larger.',
  }),
  clientA: text({
    ...clientId,
    default: 'client-a',
    description: `private-isolation: first client, one whose portfolio holds data (the reference stage seeds client-a and client-b). A ${RUN_PLACEHOLDER} in it is replaced by a per-run token, for stages that give every client data, so re-runs start cold.`,
  }),
  clientB: text({
    ...clientId,
    default: 'client-b',
    description: 'private-isolation: second client; must differ from client-a.',
  }),
  requestTimeoutSeconds: wholeNumber({
    min: 1,
    max: 600,
    default: 30,
    unit: 'seconds',
    description: 'Timeout of every single HTTP request the gate sends.',
  }),
  latencyBudgetFactor: decimal({
    min: 1,
    max: 100,
    default: 3,
    description:
      "plan-cache-single-flight: the burst's p95 latency may be at most this many times the leader's latency ...",
  }),
  latencyBudgetMs: wholeNumber({
    min: 0,
    max: 600_000,
    default: 500,
    unit: 'milliseconds',
    description: '... plus this many milliseconds; above that the check warns of a latency explosion.',
  }),
  healthzLatencyBudgetMs: wholeNumber({
    min: 10,
    max: 60_000,
    default: 1000,
    unit: 'milliseconds',
    description:
      'narrator-saturation: the slowest /healthz probe during the LLM burst must answer within this.',
  }),
  prometheusUrl: optionalUrl({
    description:
      'Prometheus to read the stage\'s counters from. Unset: compose discovers it from the port the Prometheus service publishes (none: no metric is read, and the checks say their metric evidence is missing); local uses direct scrapes; external reads none. Compose verifies it is the stage\'s own (a scrape job whose targets are the api containers) before using it. With driver external it also shows the api replicas: stage-up counts the targets of the scrape job named like api-service (up{job="api"}).',
  }),
  heavyExecutionsMetric: text({
    ...metricName,
    default: METRICS.heavyExecutions,
    description: 'Counter of heavy executions (summed over replicas it must grow by exactly one per burst).',
  }),
  narratorRequestsMetric: text({
    ...metricName,
    default: METRICS.narratorLlmRequests,
    description:
      'Counter of LLM calls by `outcome` label; the `overload` outcome must appear under the burst.',
  }),
  replicaHeader: text({
    expected: 'an HTTP header name',
    pattern: HEADER_NAME,
    maxChars: 100,
    default: REPLICA_HEADER,
    // HTTP header names are case-insensitive; node gives them lowercase.
    normalize: (name) => name.toLowerCase(),
    description: 'Response header naming the replica that answered.',
  }),
  answerPath: text({
    ...fieldPath,
    default: 'answer',
    description: 'Where the answer text is in an /ask response.',
  }),
  errorPath: text({
    ...fieldPath,
    default: 'error',
    description: 'Where the error code is in an /ask response.',
  }),
  cacheHitPath: text({
    ...fieldPath,
    default: 'meta.compute.plan_cache_hit',
    description: 'Where the plan-cache hit flag (boolean) is in an /ask response.',
  }),
  cacheKeyPath: text({
    ...fieldPath,
    default: 'meta.compute.plan_cache_key',
    description: 'Where the plan-cache key is in an /ask response.',
  }),
  overloadPath: text({
    ...fieldPath,
    default: 'meta.narrative_overload',
    description: 'Where the narrator-overload flag (boolean) is in an /ask response.',
  }),
  language: choice({ values: LANGUAGES, default: 'pt-BR', description: 'Language of the report.' }),
  failOn: choice({
    values: FAIL_POLICIES,
    default: 'fail',
    description: 'When the step fails: on ❌ or a boot failure (fail), also on ⚠️ (warn), or never (never).',
  }),
  keepStage: flag({
    default: false,
    description: 'Leave the stage running after the checks (no teardown).',
    action: {
      description:
        "Leave the stage running after the checks, for the job's later steps; the action's post step still tears it down (and saves its logs) when the job ends.",
    },
  }),
  globalDeadlineSeconds: wholeNumber({
    min: 30,
    max: 7200,
    default: 1200,
    unit: 'seconds',
    note: 'above boot-timeout-seconds',
    description: 'Deadline of the whole run: boot, checks and teardown.',
  }),
  logDir: optionalText({
    expected: 'a directory path',
    description: "Where each service's log is written at teardown (not written when unset).",
    // The action always keeps the logs, in a folder the workflow can upload.
    action: {
      default: '.stagegate/logs',
      description:
        "Folder where each service's log is streamed at teardown (relative to the workspace); upload it with actions/upload-artifact and `if: always()`.",
    },
  }),
  jsonReport: optionalText({
    expected: 'a file path',
    description: 'Where the JSON report is written (not written when unset).',
    action: {
      default: '.stagegate/report.json',
      description: 'Where the JSON report (the report model) is written, relative to the workspace.',
    },
  }),
  baselineReport: optionalText({
    expected: 'a file path',
    description:
      "An earlier JSON report to compare with (the base branch's): the report then shows per check what changed and calls out regressions. A missing file only adds a line saying there is no baseline.",
  }),
  regressionP95Factor: decimal({
    min: 1,
    max: 100,
    default: 2,
    description: `Against the baseline, the single-flight burst's p95 latency may grow up to this many times (or by less than ${P95_MIN_GROWTH_MS} ms) before it is called a regression.`,
  }),
  mode: choice({
    values: MODES,
    default: 'gate',
    description:
      'gate: boot the stage, run the checks and report. publish: boot nothing; render the JSON report at report-file and post it as the sticky comment of pull-request-number (the workflow_run half of the set-up for pull requests from forks).',
  }),
  reportFile: optionalText({
    expected: 'a file path',
    description: `publish: the JSON report an earlier gate run wrote (e.g. downloaded from its artifact). Checked before use: at most ${REPORT_FILE_MAX_BYTES / 1024 / 1024} MiB, one of our report formats.`,
  }),
  pullRequestNumber: optionalWholeNumber({
    min: 1,
    max: 2_147_483_647,
    description: 'publish: the pull request the report belongs to.',
  }),
  headSha: optionalText({
    expected: 'a commit id (40 or 64 hex digits)',
    pattern: COMMIT_SHA,
    description:
      "publish: the commit the report was made for (github.event.workflow_run.head_sha). When given, the comment is posted only if the pull request's head is this commit, so a report cannot be steered onto another pull request.",
  }),
  capacityTargetUsers: wholeNumber({
    min: 0,
    max: 10_000,
    default: 0,
    description:
      'chat-capacity: simultaneous chat users the stage must hold within the SLO (0: measure and report the capacity only).',
  }),
  capacitySloP95Ms: wholeNumber({
    min: 10,
    max: 600_000,
    default: 2000,
    unit: 'milliseconds',
    description:
      'chat-capacity: an answer within this many milliseconds (from the moment its user meant to send it) meets the SLO.',
  }),
  capacityAttainment: decimal({
    min: 0.5,
    max: 0.999,
    default: 0.95,
    description:
      'chat-capacity: share of answers that must be complete, not degraded, not an error and within the SLO for a level of users to hold (0.95: p95 within the SLO), judged with a Wilson bound.',
  }),
  capacityThinkTimeMs: wholeNumber({
    min: 0,
    max: 600_000,
    default: 1000,
    unit: 'milliseconds',
    description:
      'chat-capacity: mean think time of a virtual user between an answer and its next question (each pause drawn from half to one and a half times it).',
  }),
  capacityBudgetSeconds: wholeNumber({
    min: 2,
    max: 3600,
    default: 45,
    unit: 'seconds',
    description:
      'chat-capacity: time the capacity search may take; it stops sending then, and its last answers come within one request timeout.',
  }),
  capacityMaxRequests: wholeNumber({
    min: 10,
    max: 1_000_000,
    default: 4000,
    description: 'chat-capacity: most /ask requests the capacity search sends in all.',
  }),
  capacityMaxUsers: wholeNumber({
    min: 1,
    max: 1000,
    default: 128,
    description: 'chat-capacity: the search never runs more simultaneous users than this.',
  }),
  capacityPublicShare: wholeNumber({
    min: 0,
    max: 100,
    default: 60,
    description:
      "chat-capacity: weight of public questions (public-question, shared by every user, so cached) in the users' question mix.",
  }),
  capacityPrivateShare: wholeNumber({
    min: 0,
    max: 100,
    default: 25,
    description:
      "chat-capacity: weight of private questions (private-question, about the user's own portfolio) in the mix.",
  }),
  capacityNarratedShare: wholeNumber({
    min: 0,
    max: 100,
    default: 15,
    description:
      'chat-capacity: weight of long questions that need the narrator (llm-questions, each made distinct so none is served from the cache) in the mix.',
  }),
  errorBudget: wholeNumber({
    min: 0,
    max: 1000,
    default: 0,
    description:
      'How many /ask answers over the whole run may fail (non-2xx other than the designed overload refusal, malformed JSON, an error in a 200, no answer) before the run fails, whatever the checks say.',
  }),
};

/** Where the report goes on GitHub: options of the action (comment-key also a CLI flag), not of the gate. */
export const GITHUB_OPTION_ROWS = {
  githubToken: passthrough({
    expected: 'a GitHub token',
    secret: true,
    surfaces: ['action'],
    description:
      'Token used to find the pull request and write the sticky PR comment. The default GITHUB_TOKEN needs `pull-requests: write`; on pull requests from forks it is read-only, so the comment is skipped with a warning (the summary and the verdict still stand); a second workflow on workflow_run with mode publish comments for them (docs/using-the-action.md). Never logged nor written to the report.',
    // The CLI reads GITHUB_TOKEN from its environment instead.
    action: { default: '${{ github.token }}' },
  }),
  prComment: flag({
    default: true,
    surfaces: ['action'],
    description:
      'Keep one comment per pull request and job up to date with the report (created once, then edited in place). On a push, the pull request is found from the commit.',
  }),
  commentKey: optionalText({
    maxChars: 100,
    description:
      "Tells this job's comment apart from other jobs' (it goes in the comment's hidden marker). Blank: the job id. Set it per matrix leg (e.g. gate-linux, gate-arm64).",
    cli: {
      description: `With --mode publish: tells this sticky comment apart from others (the action's comment-key). Blank: GITHUB_JOB, else ${DEFAULT_COMMENT_KEY}.`,
    },
  }),
};
