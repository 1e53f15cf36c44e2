/**
 * chat-capacity's status, reason and evidence from the search, the bottleneck and the phase-B decision.
 * With a target of users: ✅ when a level at or above it held and held again; ❌ when a level below it
 * clearly failed; ⚠️ in between (the target inside the measured range, or a step that was indeterminate
 * or generator-bound). Without a target the capacity is reported and passes. Either way broken answers
 * under load (5xx, no answer) are ❌, naming the level.
 */
import { formatSeconds } from '../../kit/duration.js';
import type { Evidence } from '../../report/model.js';
import { summarizeProblems } from '../ask-answer.js';
import { measured, type CapacityOptions, type CheckOutcome } from '../check-context.js';
import { ms, type Say } from '../localize.js';
import type { Bottleneck, PhaseB } from './bottleneck.js';
import type { EstimateOutcome } from './capacity-estimate.js';
import type { LevelProof, PooledLevels, SearchResult } from './capacity-search.js';
import type { StepJudgement, StepResult } from './step-judge.js';

export interface CapacityVerdictInput {
  search: SearchResult;
  bottleneck: Bottleneck;
  phaseB: PhaseB;
  options: CapacityOptions;
  requestTimeoutMs: number;
  /** Time the search took and the requests it sent. */
  elapsedMs: number;
  requestsSent: number;
  say: Say;
}

const percent = (share: number | undefined) => (share === undefined ? '?' : `${(share * 100).toFixed(1)} %`);

function judgementWord(judgement: StepJudgement, say: Say): string {
  return {
    held: say('sustentou', 'held'),
    failed: say('falhou', 'failed'),
    indeterminate: say('indeterminado', 'indeterminate'),
    'generator-bound': say('limitado pelo gerador', 'generator-bound'),
  }[judgement];
}

function stepLabel(step: StepResult, index: number): string {
  return `${step.users}u #${index + 1}`;
}

function describeBottleneck(bottleneck: Bottleneck, say: Say): string {
  switch (bottleneck.kind) {
    case 'named':
      return bottleneck.evidence;
    case 'none-reached':
      return say(
        'nenhum nível falhou: nada saturou dentro da busca',
        'no level failed: nothing saturated within the search',
      );
    default:
      return say(
        `não identificável pelas métricas que este stage expõe (${bottleneck.why}); ${bottleneck.missing.slice(0, 4).join(', ')} o tornariam identificável`,
        `not identifiable from the metrics this stage exposes (${bottleneck.why}); ${bottleneck.missing.slice(0, 4).join(', ')} would make it identifiable`,
      );
  }
}

const poolText = (pooled: PooledLevels) =>
  `${pooled.from === pooled.to ? pooled.from : `${pooled.from}–${pooled.to}`}u: ${pooled.good}/${pooled.total}`;

/** Which levels' answers, pooled, proved the range (more users never make a stage faster). */
function describeProof(proof: LevelProof, say: Say): string {
  const held = proof.heldBy
    ? say(
        `sustentou ${proof.held}: respostas boas dos níveis ${poolText(proof.heldBy)}, limite inferior ${percent(proof.heldBy.bound)}`,
        `held ${proof.held}: good answers of levels ${poolText(proof.heldBy)}, lower bound ${percent(proof.heldBy.bound)}`,
      )
    : say('nenhum nível provado sustentado', 'no level proven held');
  const failed = proof.failedBy
    ? say(
        `falhou ${proof.failed}: níveis ${poolText(proof.failedBy)}, limite superior ${percent(proof.failedBy.bound)}`,
        `failed ${proof.failed}: levels ${poolText(proof.failedBy)}, upper bound ${percent(proof.failedBy.bound)}`,
      )
    : say('nenhum nível provado falho', 'no level proven failed');
  return `${held}; ${failed}`;
}

const users = (count: number) => (count >= 10 ? Math.round(count) : Math.round(count * 10) / 10);

/** The curve through all the levels' answers: where it crosses the target and the range it holds. */
function describeEstimate(estimate: EstimateOutcome, target: number, say: Say): string {
  if (estimate.kind === 'none') return say(`nenhuma (${estimate.why})`, `none (${estimate.why})`);
  const { estimate: curve } = estimate;
  const held =
    curve.held > 0
      ? say(`sustenta ${curve.held} (seu limite inferior)`, `holds ${curve.held} (its lower bound)`)
      : say('não sustenta o nível mais baixo', 'does not hold the lowest level');
  const spread =
    curve.dispersion > 1.05
      ? say(
          `, dispersão ${curve.dispersion.toFixed(1)}× a do acaso`,
          `, scatter ${curve.dispersion.toFixed(1)}× binomial`,
        )
      : '';
  return say(
    `${percent(target)} em ~${users(curve.users)} usuários; ${held}; logística no log dos usuários, ${curve.levels} níveis, ${curve.answers} respostas${spread}`,
    `${percent(target)} at ~${users(curve.users)} users; ${held}; logistic in log users, ${curve.levels} levels, ${curve.answers} answers${spread}`,
  );
}

/** Where the held end came from: the levels' pooled proof or the curve through all of them. */
function heldSource(search: SearchResult, say: Say): string {
  if (search.held === 0) return say('nenhum nível sustentado', 'no level held');
  return search.heldBy === 'curve'
    ? say('sustentou: pela curva por todos os níveis', 'held: by the curve through all levels')
    : say('sustentou: provado pelos níveis', 'held: proven by the levels');
}

function evidenceOf(input: CapacityVerdictInput, range: string): Evidence[] {
  const { search, options, say } = input;
  const steps = search.steps;
  const categories = steps.map(stepLabel);
  const mixTotal = options.mix.public + options.mix.private + options.mix.narrated;
  const share = (weight: number) => `${Math.round((weight / mixTotal) * 100)} %`;
  return [
    {
      kind: 'facts',
      title: say('Capacidade de chat', 'Chat capacity'),
      facts: [
        { label: say('capacidade (sustentou / falhou)', 'capacity (held / failed)'), value: range },
        { label: say('prova', 'proof'), value: describeProof(search.proof, say) },
        {
          label: say('curva por todos os níveis', 'curve through all levels'),
          value: describeEstimate(search.estimate, options.attainment, say),
        },
        {
          label: say('nível mais alto reconfirmado', 'highest level confirmed again'),
          value: search.held === 0 ? '-' : search.confirmed ? say('sim', 'yes') : say('não', 'no'),
        },
        {
          label: say('alvo de usuários', 'target users'),
          value:
            options.targetUsers === 0 ? say('nenhum (só medir)', 'none (measure only)') : options.targetUsers,
        },
        {
          label: 'SLO',
          value: say(
            `${percent(options.attainment)} das respostas completas, sem degradação nem erro, em até ${ms(options.sloMs)} (limite de Wilson unilateral de 90 %)`,
            `${percent(options.attainment)} of answers complete, not degraded, not an error, within ${ms(options.sloMs)} (one-sided 90 % Wilson bound)`,
          ),
        },
        {
          label: say('usuários virtuais', 'virtual users'),
          value: say(
            `pensam ${ms(options.thinkTimeMs)} em média; perguntas ${share(options.mix.public)} públicas, ${share(options.mix.private)} privadas, ${share(options.mix.narrated)} narradas`,
            `think ${ms(options.thinkTimeMs)} on average; questions ${share(options.mix.public)} public, ${share(options.mix.private)} private, ${share(options.mix.narrated)} narrated`,
          ),
        },
        {
          label: say('orçamento usado', 'budget used'),
          value: `${formatSeconds(Math.round(input.elapsedMs / 100) * 100)} / ${formatSeconds(options.budgetSeconds * 1000)}, ${input.requestsSent} / ${options.maxRequests} ${say('pedidos', 'requests')}`,
        },
        { label: say('fim da busca', 'search ended'), value: search.end },
        { label: say('gargalo', 'bottleneck'), value: describeBottleneck(input.bottleneck, say) },
        { label: say('fase B', 'phase B'), value: input.phaseB.line },
      ],
    },
    {
      kind: 'chart',
      title: say('p95 por nível de usuários (ms) e o SLO', 'p95 by level of users (ms) and the SLO'),
      chart: {
        type: 'bars',
        xTitle: say('usuários', 'users'),
        yTitle: 'ms',
        categories,
        series: [
          { name: 'p95', values: steps.map((step) => step.p95Ms ?? 0) },
          { name: 'SLO', values: steps.map(() => options.sloMs), drawn: 'line' },
        ],
      },
    },
    {
      kind: 'chart',
      // In words: a chart's labels keep no "%" (Mermaid reads "%%" as the start of a comment).
      title: say(
        'Respostas no SLO por nível de usuários, em porcentagem',
        'Answers within the SLO by level of users, in percent',
      ),
      chart: {
        type: 'bars',
        xTitle: say('usuários', 'users'),
        yTitle: say('porcentagem', 'percent'),
        categories,
        series: [
          { name: 'attainment', values: steps.map((step) => Math.round((step.attainment ?? 0) * 100)) },
        ],
      },
    },
    {
      kind: 'table',
      title: say('Cada nível da busca', 'Each level of the search'),
      columns: [
        '#',
        say('usuários', 'users'),
        say('respostas', 'answers'),
        'p50',
        'p95',
        say('no SLO [limites]', 'within SLO [bounds]'),
        say('degradadas', 'degraded'),
        say('erros', 'errors'),
        say('sem resposta', 'no answer'),
        say('carga do gerador', 'generator load'),
        say('resultado', 'result'),
      ],
      rows: steps.map((step, index) => [
        index + 1,
        step.users,
        step.samples.length,
        ms(step.p50Ms),
        ms(step.p95Ms),
        `${percent(step.attainment)} [${percent(step.lower)}–${percent(step.upper)}]`,
        step.counts.degraded,
        step.counts.error,
        step.counts['no-answer'],
        say(
          `lag p99 ${ms(step.generator.lagP99Ms)}, ocupado ${Math.round(step.generator.utilization * 100)} %, CPU ${Math.round(step.generator.cpuShare * 100)} %`,
          `lag p99 ${ms(step.generator.lagP99Ms)}, busy ${Math.round(step.generator.utilization * 100)} %, CPU ${Math.round(step.generator.cpuShare * 100)} %`,
        ),
        `${judgementWord(step.judgement, say)}${step.stoppedEarly ? say(' (parado cedo)', ' (stopped early)') : ''}`,
      ]),
    },
  ];
}

export function decideCapacity(input: CapacityVerdictInput): CheckOutcome {
  const { search, options, say } = input;
  const failedText =
    search.failed === undefined ? say('nenhum nível falhou', 'no level failed') : String(search.failed);
  const range = `${search.held} / ${failedText} (${heldSource(search, say)})`;
  const evidence = evidenceOf(input, range);
  const measures = measured({
    capacityUsersHeld: search.held,
    capacityUsersFailed: search.failed,
    capacitySloP95Ms: options.sloMs,
    capacityAttainmentPct: options.attainment * 100,
  });
  const p = Math.round(options.attainment * 100);
  const slo = `p${p} ≤ ${ms(options.sloMs)}`;
  const held =
    search.held === 0
      ? say(
          `nenhum nível de usuários provou sustentar ${slo}${search.failed === undefined ? '' : ` (falha com ${search.failed})`}`,
          `no level of users was proven to hold ${slo}${search.failed === undefined ? '' : ` (fails at ${search.failed})`}`,
        )
      : say(
          `sustenta ${search.held} ${search.held === 1 ? 'usuário simultâneo' : 'usuários simultâneos'} a ${slo}${search.failed === undefined ? '' : ` (falha com ${search.failed})`}`,
          `holds ${search.held} simultaneous ${search.held === 1 ? 'user' : 'users'} at ${slo}${search.failed === undefined ? '' : ` (fails at ${search.failed})`}`,
        );
  const tail = `; ${say('gargalo', 'bottleneck')}: ${describeBottleneck(input.bottleneck, say)}; ${input.phaseB.line}`;
  const outcome = (status: CheckOutcome['status'], reason: string): CheckOutcome => ({
    status,
    reason,
    evidence,
    measures,
  });

  if (search.broken) {
    const step = search.broken;
    const problems = summarizeProblems(
      step.samples
        .filter((sample) => sample.answerClass === 'error' || sample.answerClass === 'no-answer')
        .map((sample) => sample.problem ?? sample.answerClass),
    );
    const silent = step.counts['no-answer'] > 0 && step.counts.error === 0;
    return outcome(
      'fail',
      silent
        ? say(
            `o stage parou de responder com ${step.users} usuários: ${step.counts['no-answer']} perguntas sem resposta em ${formatSeconds(input.requestTimeoutMs)} (${problems}); ${held}`,
            `the stage stopped answering at ${step.users} users: ${step.counts['no-answer']} asks got no answer within ${formatSeconds(input.requestTimeoutMs)} (${problems}); ${held}`,
          )
        : say(
            `o stage respondeu erros sob carga com ${step.users} usuários: ${step.counts.error} erros, ${step.counts['no-answer']} sem resposta (${problems}); ${held}`,
            `the stage answered errors under load at ${step.users} users: ${step.counts.error} errors, ${step.counts['no-answer']} without an answer (${problems}); ${held}`,
          ),
    );
  }
  // Below the level held, an unjudged step is proven by the higher one: only those above it leave doubt.
  const unsure = search.steps.filter(
    (step) =>
      step.users > search.held &&
      (step.judgement === 'indeterminate' || step.judgement === 'generator-bound'),
  );
  const boundSteps = unsure.filter((step) => step.judgement === 'generator-bound');
  const unsureText =
    boundSteps.length > 0
      ? say(
          `; níveis limitados pelo gerador: ${boundSteps.length} (o gate, não o stage, foi o limite: não julgados)`,
          `; levels generator-bound: ${boundSteps.length} (the gate, not the stage, was the limit: not judged)`,
        )
      : unsure.length > 0
        ? say(`; níveis indeterminados: ${unsure.length}`, `; levels indeterminate: ${unsure.length}`)
        : '';
  const target = options.targetUsers;
  if (target === 0) {
    // Measure only: the range is the finding, whatever it is — unless nothing at all was proven.
    if (search.held === 0 && search.failed === undefined)
      return outcome(
        'warn',
        say(
          `nenhum nível de usuários provou sustentar nem falhar o SLO (${slo})${unsureText}${tail}`,
          `no level of users was proven to hold or to fail the SLO (${slo})${unsureText}${tail}`,
        ),
      );
    return outcome('pass', `${held}${unsureText}${tail}`);
  }
  if (search.held >= target && search.confirmed)
    return outcome(
      'pass',
      say(`${held}, alvo ${target}${unsureText}${tail}`, `${held}, target ${target}${unsureText}${tail}`),
    );
  if (
    search.failed !== undefined &&
    search.failed <= target &&
    search.held < target &&
    boundSteps.length === 0
  )
    return outcome(
      'fail',
      say(
        `abaixo do alvo de ${target} usuários: ${held}${tail}`,
        `below the target of ${target} users: ${held}${tail}`,
      ),
    );
  return outcome(
    'warn',
    say(
      `alvo de ${target} usuários não confirmado: ${held}${search.held >= target ? ', mas a reconfirmação não sustentou' : ''}${unsureText}${tail}`,
      `target of ${target} users not confirmed: ${held}${search.held >= target ? ', but the re-check did not hold' : ''}${unsureText}${tail}`,
    ),
  );
}
