/**
 * What the drivers state as data (service notes, metrics sources and failures) in words, in Brazilian
 * Portuguese or English: the checks pass the report's language, the stage's own CLI English. Each
 * sentence is written in both languages side by side, as the checks write theirs.
 */
import { ROUTES } from '../contract/index.js';
import { formatSeconds } from '../kit/duration.js';
import type { Say } from '../report/language.js';
import type { MetricsFailure, MetricsSource, ServiceNote } from './driver.js';

/** An error code or HTTP status as it is; `timeout` said in words. */
function cause(text: string, say: Say): string {
  return text === 'timeout' ? say('tempo esgotado', 'timed out') : text;
}

function describeServiceNote(note: ServiceNote, say: Say): string {
  switch (note.kind) {
    case 'exited':
      return note.signal
        ? say(`encerrado (${note.signal})`, `killed (${note.signal})`)
        : say(`saiu (código ${note.code})`, `exited (code ${note.code})`);
    case 'compose-only':
      return say(
        'não existe no stage local (só no compose)',
        'not available on the local stage (compose only)',
      );
    case 'ollama-simulator':
      return say('simulador compatível com o Ollama', 'Ollama-compatible simulator');
    case 'ollama-external':
      return say('Ollama real, não iniciado pelo stage local', 'real Ollama, not started by the local stage');
    case 'haproxy': {
      const up = `${note.serversUp.length}/${note.servers}${note.serversUp.length ? ` (${note.serversUp.join(', ')})` : ''}`;
      return say(
        `HAProxy; servidores da api UP: ${up}; estatísticas em ${note.statsUrl}`,
        `HAProxy; api servers UP: ${up}; stats at ${note.statsUrl}`,
      );
    }
    case 'haproxy-exporter-unreachable':
      return say(
        `HAProxy; exporter inacessível (${cause(note.cause, say)})`,
        `HAProxy; exporter unreachable (${cause(note.cause, say)})`,
      );
    case 'external-gateway':
      return say(
        `stage externo, visto só pelo gateway: GET ${ROUTES.healthz} → ${cause(note.answer, say)}`,
        `external stage, seen only through its gateway: GET ${ROUTES.healthz} → ${cause(note.answer, say)}`,
      );
    case 'not-booted':
      return say(
        `fora deste boot (serviços iniciados: ${note.selected.join(', ')})`,
        `left out of this boot (services: ${note.selected.join(', ')})`,
      );
    case 'prometheus-target': {
      const sample = `Prometheus: up{job="${note.job}"} ${note.up ? 1 : 0}`;
      return note.podReady === undefined
        ? sample
        : say(`${sample}, pod pronto: ${note.podReady}`, `${sample}, pod ready ${note.podReady}`);
    }
    case 'prometheus-no-target': {
      const jobs = note.jobsFound?.length ? note.jobsFound.join(', ') : say('nenhum', 'none');
      return note.jobsFound
        ? say(
            `o Prometheus não tem alvo do job "${note.job}": nenhuma réplica da api vista; o que ele coleta: ${jobs}; defina api-service como o job que coleta a sua api`,
            `Prometheus has no scrape target of job "${note.job}": no api replica seen; the jobs it has: ${jobs}; set api-service to the job that scrapes your api`,
          )
        : say(
            `o Prometheus não tem alvo do job "${note.job}": nenhuma réplica da api vista`,
            `Prometheus has no scrape target of job "${note.job}": no api replica seen`,
          );
    }
    case 'prometheus-unreadable':
      return say(
        `réplicas da api não lidas do Prometheus: ${note.cause}`,
        `api replicas not read from Prometheus: ${note.cause}`,
      );
  }
}

/** The notes of a row, then the free text its driver quoted, joined. */
export function describeServiceDetail(row: { notes?: ServiceNote[]; detail?: string }, say: Say): string {
  return [
    ...(row.notes ?? []).map((note) => describeServiceNote(note, say)),
    ...(row.detail ? [row.detail] : []),
  ].join('; ');
}

export function describeMetricsSource(source: MetricsSource | undefined, say: Say): string {
  if (source === undefined) return say('nenhuma fonte de métricas', 'no metrics source');
  switch (source.kind) {
    case 'scrape': {
      const count = source.replicas.length;
      const list = count ? ` (${source.replicas.join(', ')})` : '';
      const missing = source.notCounted?.length
        ? say(
            `; paradas, fora da soma: ${source.notCounted.join(', ')}`,
            `; not running, not counted: ${source.notCounted.join(', ')}`,
          )
        : '';
      return say(
        `leitura direta de ${count} ${count === 1 ? 'réplica' : 'réplicas'} da api${list}${missing}`,
        `direct scrape of ${count} api ${count === 1 ? 'replica' : 'replicas'}${list}${missing}`,
      );
    }
    case 'prometheus': {
      const job = source.job
        ? say(
            `, job "${source.job}" verificado: seus alvos são os contêineres da api deste stage`,
            `, job "${source.job}" verified: its targets are this stage's api containers`,
          )
        : '';
      return say(
        `Prometheus em ${source.url} (soma das réplicas coletadas, atrasa uma coleta${job})`,
        `Prometheus at ${source.url} (sum over every scraped replica, lags by one scrape${job})`,
      );
    }
    case 'gateway-only':
      return say(
        `só o gateway, parcial: ${source.url} responde por uma réplica a cada coleta, sem somar as réplicas`,
        `gateway only, partial: ${source.url} answers from one replica per scrape, not a sum over replicas`,
      );
  }
}

export function describeMetricsFailure(failure: MetricsFailure, say: Say): string {
  switch (failure.kind) {
    case 'unreachable':
      return say(
        `${failure.where} inacessível (${cause(failure.cause, say)})`,
        `cannot reach ${failure.where} (${cause(failure.cause, say)})`,
      );
    case 'bad-answer':
      return say(
        `${failure.where} respondeu algo que não são métricas legíveis`,
        `${failure.where} answered something that is not readable metrics`,
      );
    case 'too-large':
      return say(
        `as métricas de ${failure.where} passam de ${failure.maxBytes} bytes`,
        `the metrics of ${failure.where} exceed ${failure.maxBytes} bytes`,
      );
    case 'not-settled':
      return say(
        `o Prometheus em ${failure.where} não coletou todos os alvos em ${formatSeconds(failure.timeoutMs)} (${failure.fresh} de ${failure.expected})`,
        `Prometheus at ${failure.where} did not scrape every target within ${formatSeconds(failure.timeoutMs)} (${failure.fresh} of ${failure.expected})`,
      );
    case 'slow':
      return failure.step === 'settle'
        ? say(
            `esperar as métricas se atualizarem levou mais de ${formatSeconds(failure.timeoutMs)}`,
            `waiting for the metrics to settle took more than ${formatSeconds(failure.timeoutMs)}`,
          )
        : say(
            `ler a métrica levou mais de ${formatSeconds(failure.timeoutMs)}`,
            `reading the metric took more than ${formatSeconds(failure.timeoutMs)}`,
          );
    case 'not-this-stage': {
      const closest = failure.job
        ? say(
            `; o job "${failure.job}" é o mais próximo${failure.missing?.length ? `, sem ${failure.missing.join(', ')}` : ', com alvos que não são deste stage'}`,
            `; job "${failure.job}" comes closest${failure.missing?.length ? `, without ${failure.missing.join(', ')}` : ", with targets that are not this stage's"}`,
          )
        : '';
      const scraped = failure.found.length ? failure.found.join(', ') : say('nada', 'nothing');
      return say(
        `o Prometheus em ${failure.where} responde, mas não é deste stage: nenhum job de coleta tem exatamente os contêineres da api (${failure.expected.join(', ')}); ele coleta ${scraped}${closest}`,
        `Prometheus at ${failure.where} answers but is not this stage's: no scrape job holds exactly the api containers (${failure.expected.join(', ')}); it scrapes ${scraped}${closest}`,
      );
    }
    case 'other':
      return say(`erro: ${failure.message}`, `error: ${failure.message}`);
  }
}
