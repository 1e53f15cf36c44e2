/**
 * `stage-up`: the stage booted with the asked replica count, and the expected count of api replicas,
 * one gateway and every required service are running and healthy. Shows the services table. A boot
 * that failed part-way (the gateway serving over the healthy replicas) is ❌ like any failed check,
 * naming what is down; only a boot that left nothing to check is "could not be booted".
 */
import {
  NOT_BOOTED_STATE,
  type BootResult,
  type ServiceStatus,
  type StageDescription,
  type StageDriver,
} from '../stage/driver.js';
import type { Check, CheckOutcome } from './check-context.js';
import { localize, ms, type Language, type Say } from './localize.js';
import { describeServiceDetail } from '../stage/stage-words.js';
import type { Evidence } from '../report/model.js';

/** States that mean "up": compose/local `running`; a dependency the stage uses but did not start. */
const UP_STATES = new Set(['running', 'external', 'reachable', 'up']);

export function isUp(row: ServiceStatus): boolean {
  return UP_STATES.has(row.state) && (row.health === 'healthy' || row.health === 'none');
}

function servicesTable(rows: ServiceStatus[], language: Language): Evidence {
  const say = localize(language);
  return {
    kind: 'table',
    title: say('Serviços', 'Services'),
    columns: [
      say('serviço', 'service'),
      say('instância', 'instance'),
      say('estado', 'state'),
      say('saúde', 'health'),
      say('endereço', 'address'),
      say('detalhe', 'detail'),
    ],
    rows: rows.map((row) => [
      row.service,
      row.name,
      row.state,
      row.health,
      row.address ?? '',
      describeServiceDetail(row, say),
    ]),
  };
}

export interface StageUpInput {
  driverKind: StageDriver['kind'];
  baseUrl: string;
  boot: BootResult;
  /** Services as seen after boot; undefined when they could not be read (`servicesError`). */
  services?: ServiceStatus[];
  servicesError?: string;
  apiService: string;
  gatewayService: string;
  replicas: number;
  requiredServices: string[];
  language: Language;
  /** What the driver learnt before the boot: where its values came from, its preflight findings. */
  description?: StageDescription;
}

/** Where each value came from, and the preflight's findings, as evidence (none when the driver has none). */
function descriptionEvidence(description: StageDescription | undefined, say: Say): Evidence[] {
  if (!description) return [];
  const origin = {
    set: say('definido', 'set'),
    discovered: say('descoberto', 'discovered'),
    default: say('padrão', 'default'),
  };
  const evidence: Evidence[] = [
    {
      kind: 'table',
      title: say('De onde vem cada valor', 'Where each value came from'),
      columns: [say('opção', 'option'), say('valor', 'value'), say('origem', 'origin')],
      rows: description.values.map((value) => [
        value.option,
        value.value,
        `${origin[value.origin]}${value.how ? `: ${value.how}` : ''}`,
      ]),
    },
  ];
  if (description.findings.length)
    evidence.push({
      kind: 'lines',
      title: say('Pré-verificação do arquivo compose', 'Preflight of the compose file'),
      lines: description.findings.map((finding) => `${finding.severity}: ${finding.message}`),
    });
  return evidence;
}

/** Lines of a failed boot's diagnostics (ps, the failing services' log tails) kept in the report. */
const BOOT_LOG_LINES = 80;

/** The end of a failed boot's diagnostics, as evidence; none when the boot succeeded or said nothing. */
function bootLogEvidence(boot: BootResult, language: Language): Evidence[] {
  if (boot.ok || !boot.log?.trim()) return [];
  const lines = boot.log.split('\n');
  const kept = lines.slice(-BOOT_LOG_LINES);
  const say = localize(language);
  return [
    {
      kind: 'lines',
      title:
        kept.length < lines.length
          ? say(
              `Diagnóstico do boot (últimas ${BOOT_LOG_LINES} de ${lines.length} linhas)`,
              `Boot diagnostics (last ${BOOT_LOG_LINES} of ${lines.length} lines)`,
            )
          : say('Diagnóstico do boot', 'Boot diagnostics'),
      lines: kept,
    },
  ];
}

function describeRow(row: ServiceStatus, say: Say): string {
  const detail = describeServiceDetail(row, say);
  return `${row.name} ${row.state}/${row.health}${detail ? ` (${detail})` : ''}`;
}

export function decideStageUp(input: StageUpInput): CheckOutcome {
  const say = localize(input.language);
  const facts: Evidence = {
    kind: 'facts',
    title: say('Boot', 'Boot'),
    facts: [
      { label: 'driver', value: input.driverKind },
      { label: say('URL base', 'base URL'), value: input.baseUrl || '-' },
      { label: say('réplicas pedidas', 'replicas asked'), value: input.replicas },
      { label: say('duração do boot', 'boot duration'), value: ms(input.boot.durationMs) },
      ...(!input.boot.ok && input.boot.partial
        ? [
            {
              label: 'boot',
              value: say('incompleto; o gateway responde', 'incomplete; the gateway answers'),
            },
          ]
        : []),
    ],
  };
  const described = descriptionEvidence(input.description, say);
  if (!input.boot.ok && !input.boot.partial) {
    const rows = input.boot.services;
    return {
      status: 'fail',
      reason: say(
        `o stage não pôde ser iniciado: ${input.boot.reason ?? 'motivo desconhecido'}`,
        `the stage could not be booted: ${input.boot.reason ?? 'unknown reason'}`,
      ),
      evidence: [
        facts,
        ...described,
        ...(rows.length ? [servicesTable(rows, input.language)] : []),
        ...bootLogEvidence(input.boot, input.language),
      ],
    };
  }
  const rows = input.services ?? input.boot.services;
  const evidence: Evidence[] = [
    facts,
    ...described,
    servicesTable(rows, input.language),
    ...bootLogEvidence(input.boot, input.language),
  ];
  const problems: string[] = [];
  const notes: string[] = [];
  const warnings: string[] = [];
  if (input.servicesError)
    notes.push(
      say(
        `estado atual ilegível (${input.servicesError}); usado o do boot`,
        `current state unreadable (${input.servicesError}); using the boot's`,
      ),
    );
  const strict = input.driverKind !== 'external';
  const byService = (service: string) => rows.filter((row) => row.service === service);

  const apiRows = byService(input.apiService);
  const apiUp = apiRows.filter(isUp);
  if (apiRows.length === 0 && !strict) {
    notes.push(
      say(
        'réplicas da api não visíveis por este driver sem prometheus-url (load-balancing as conta)',
        'api replicas not visible through this driver without prometheus-url (load-balancing counts them)',
      ),
    );
  } else if (apiUp.length < input.replicas) {
    const down = apiRows.filter((row) => !isUp(row)).map((row) => describeRow(row, say));
    problems.push(
      say(
        `${input.apiService}: ${apiUp.length}/${input.replicas} réplicas rodando e saudáveis${down.length ? ` (${down.join(', ')})` : ''}`,
        `${input.apiService}: ${apiUp.length}/${input.replicas} replicas running and healthy${down.length ? ` (${down.join(', ')})` : ''}`,
      ),
    );
  } else if (apiUp.length > input.replicas) {
    warnings.push(
      say(
        `${input.apiService}: ${apiUp.length} réplicas no ar, ${input.replicas} esperadas`,
        `${input.apiService}: ${apiUp.length} replicas up, ${input.replicas} expected`,
      ),
    );
  }

  const gatewayRows = byService(input.gatewayService);
  const gatewayUp = gatewayRows.filter(isUp);
  if (gatewayRows.length === 0) {
    if (strict)
      problems.push(say(`${input.gatewayService}: não encontrado`, `${input.gatewayService}: not found`));
  } else if (gatewayUp.length === 0) {
    problems.push(`${input.gatewayService}: ${gatewayRows.map((row) => describeRow(row, say)).join(', ')}`);
  } else if (gatewayUp.length > 1) {
    warnings.push(
      say(
        `${gatewayUp.length} instâncias de ${input.gatewayService}, 1 esperada`,
        `${gatewayUp.length} ${input.gatewayService} instances, 1 expected`,
      ),
    );
  }

  const notPartOfStage: string[] = [];
  const notBooted: string[] = [];
  let requiredUp = 0;
  for (const service of input.requiredServices) {
    const serviceRows = byService(service);
    // Left out of this boot on purpose (the compose driver's `services`): said, not failed.
    if (serviceRows.length > 0 && serviceRows.every((row) => row.state === NOT_BOOTED_STATE)) {
      notBooted.push(service);
      continue;
    }
    if (serviceRows.length === 0) {
      if (input.driverKind === 'compose')
        problems.push(say(`${service}: não encontrado`, `${service}: not found`));
      else notPartOfStage.push(service);
      continue;
    }
    // The local stage lists compose-only services (grafana, tempo) as `unavailable`: said, not failed.
    if (input.driverKind !== 'compose' && serviceRows.every((row) => row.state === 'unavailable')) {
      notPartOfStage.push(service);
      continue;
    }
    const down = serviceRows.filter((row) => !isUp(row));
    if (down.length > 0) problems.push(`${service}: ${down.map((row) => describeRow(row, say)).join(', ')}`);
    else requiredUp++;
  }
  if (notPartOfStage.length)
    notes.push(
      say(
        `${notPartOfStage.join(', ')}: não fazem parte de um stage ${input.driverKind}`,
        `${notPartOfStage.join(', ')}: not part of ${input.driverKind === 'external' ? 'an' : 'a'} ${input.driverKind} stage`,
      ),
    );

  const notInStage = input.description?.notInStage ?? [];
  if (notInStage.length)
    notes.push(
      say(
        `${notInStage.join(', ')}: não existem neste stage (serviços do stage de referência)`,
        `${notInStage.join(', ')}: not in this stage (services of the reference stage)`,
      ),
    );

  if (notBooted.length)
    notes.push(
      say(
        `${notBooted.join(', ')}: não iniciados neste boot (fora da lista de serviços a iniciar)`,
        `${notBooted.join(', ')}: not booted (left out by services)`,
      ),
    );

  const noteText = notes.length ? `; ${notes.join('; ')}` : '';
  if (!input.boot.ok) {
    // Partly booted: the checks ran on what serves, but the boot itself did not succeed. Two readings,
    // each named with its moment: the boot's reason was read when it ended, the services after it, and a
    // slow replica may have become healthy in between (1 of 3 healthy then, 2 of 3 now).
    const bootProblem = say(
      `boot incompleto ao terminar: ${input.boot.reason ?? 'motivo desconhecido'}`,
      `boot incomplete when it ended: ${input.boot.reason ?? 'unknown reason'}`,
    );
    const afterBoot = problems.length
      ? say(`lido após o boot: ${problems.join('; ')}`, `read after the boot: ${problems.join('; ')}`)
      : say(
          'lido após o boot: todos os serviços exigidos rodando e saudáveis',
          'read after the boot: every required service running and healthy',
        );
    return { status: 'fail', reason: `${bootProblem}; ${afterBoot}${noteText}`, evidence };
  }
  if (problems.length > 0) return { status: 'fail', reason: `${problems.join('; ')}${noteText}`, evidence };
  const summary = say(
    `${apiRows.length ? `${apiUp.length}/${input.replicas} réplicas da api, ` : ''}${gatewayUp.length ? 'gateway e ' : ''}${requiredUp} serviços exigidos rodando e saudáveis`,
    `${apiRows.length ? `${apiUp.length}/${input.replicas} api replicas, ` : ''}${gatewayUp.length ? 'the gateway and ' : ''}${requiredUp} required services running and healthy`,
  );
  if (warnings.length > 0)
    return { status: 'warn', reason: `${warnings.join('; ')}; ${summary}${noteText}`, evidence };
  return { status: 'pass', reason: `${summary}${noteText}`, evidence };
}

export const stageUpCheck: Check = async (context) => {
  const { options, driver, boot } = context;
  let services: ServiceStatus[] | undefined;
  let servicesError: string | undefined;
  if (boot.ok || boot.partial) {
    context.logger.info(`stage-up: reading the state of every service of the ${driver.kind} stage`);
    try {
      services = await driver.services(context.signal);
    } catch (error) {
      servicesError = (error as Error).message;
    }
  }
  let description: StageDescription | undefined;
  try {
    description = driver.describe?.();
  } catch {
    description = undefined;
  }
  const outcome = decideStageUp({
    driverKind: driver.kind,
    ...(description ? { description } : {}),
    baseUrl: driver.baseUrl,
    boot,
    services,
    servicesError,
    apiService: options.apiService,
    gatewayService: options.gatewayService,
    replicas: options.replicas,
    // The driver's own list when it decided one (compose: every service of the user's file).
    requiredServices: description?.requiredServices ?? options.requiredServices,
    language: options.language,
  });
  return { id: 'stage-up', ...outcome, durationMs: 0 };
};
