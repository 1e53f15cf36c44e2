/**
 * `private-isolation`: the private question as client A, then client B, then A again. A's and B's
 * cache keys must differ, B must not be served from A's entry, A's repeat must be a hit on A's key, and
 * B's answer must hold none of A's private data (A's answer text, or the tickers and figures it gave A).
 */
import { ROUTES, type AskRequest } from '../contract/index.js';
import type { Evidence } from '../report/model.js';
import { readAskAnswer, summarizeProblems, type AskAnswer } from './ask-answer.js';
import type { Check, CheckOutcome } from './check-context.js';
import { resolveClientId } from './client-id.js';
import { localize, type Language } from './localize.js';

/**
 * What a portfolio answer is made of: B3 tickers (four letters + 11..13) and figures — quantities,
 * prices, values — as standalone numbers of three or more digits. Dates and numbers glued to words
 * (`qwen2.5`, the `11` of `HGLG11`) are left out: they are the same for everyone.
 */
const TICKER = /\b[A-Z]{4}1[1-3]\b/g;
const DATE = /\b\d{1,2}\/\d{1,2}(\/\d{2,4})?\b|\b\d{4}-\d{2}-\d{2}\b/g;
const FIGURE = /(?<![\w.,])\d[\d.,]*\d(?![\w])/g;

/** The tickers and figures of an answer, normalised (`1.500` and `1500` are the same figure). */
export function privateTokens(text: string): Set<string> {
  const tokens = new Set<string>();
  for (const match of text.toUpperCase().matchAll(TICKER)) tokens.add(match[0]);
  for (const match of text.replace(DATE, ' ').matchAll(FIGURE)) {
    const digits = match[0].replace(/[.,]/g, '');
    if (digits.length >= 3) tokens.add(digits);
  }
  return tokens;
}

export interface LeakAssessment {
  /** B's answer text is A's, word for word. */
  identical: boolean;
  /** A's nickname appears in B's answer. */
  nicknameLeaked: boolean;
  /** A's tokens (present in both of A's answers) that B's answer also holds. */
  shared: string[];
  /** A's tokens considered (stable across A's two answers). */
  aTokens: string[];
}

export function assessLeak(a1: string, a2: string | undefined, b: string, nicknameA: string): LeakAssessment {
  const first = privateTokens(a1);
  const again = a2 === undefined ? first : privateTokens(a2);
  const stable = [...first].filter((token) => again.has(token));
  const bTokens = privateTokens(b);
  return {
    identical: a1.trim() !== '' && a1.trim() === b.trim(),
    nicknameLeaked: nicknameA !== '' && b.includes(nicknameA),
    shared: stable.filter((token) => bTokens.has(token)),
    aTokens: stable,
  };
}

export interface PrivateIsolationInput {
  question: string;
  clientA: string;
  clientB: string;
  nicknameA: string;
  a1: AskAnswer;
  b: AskAnswer;
  a2: AskAnswer;
  language: Language;
}

export function decidePrivateIsolation(input: PrivateIsolationInput): CheckOutcome {
  const say = localize(input.language);
  const { a1, b, a2 } = input;
  const row = (label: string, client: string, answer: AskAnswer) => [
    label,
    client,
    answer.replica ?? '?',
    answer.cacheHit === undefined ? '?' : answer.cacheHit,
    answer.cacheKey ?? '?',
    answer.problem ?? answer.error ?? (answer.answer ?? '').slice(0, 160),
  ];
  const evidence: Evidence[] = [
    {
      kind: 'table',
      title: say(`Pergunta privada: "${input.question}"`, `Private question: "${input.question}"`),
      columns: [
        say('ordem', 'order'),
        say('cliente', 'client'),
        say('réplica', 'replica'),
        'hit',
        say('chave', 'key'),
        say('resposta', 'answer'),
      ],
      rows: [row('1. A', input.clientA, a1), row('2. B', input.clientB, b), row('3. A', input.clientA, a2)],
    },
  ];
  const fail = (reason: string): CheckOutcome => ({ status: 'fail', reason, evidence });

  const broken = [
    ['A', a1],
    ['B', b],
    ['A (2)', a2],
  ].filter(
    ([, answer]) => (answer as AskAnswer).problem !== undefined || (answer as AskAnswer).error !== undefined,
  ) as Array<[string, AskAnswer]>;
  if (broken.length > 0)
    return fail(
      say(
        `a pergunta privada falhou: ${broken.map(([who, answer]) => `${who}: ${answer.problem ?? `erro ${answer.error}`}`).join('; ')}`,
        `the private question failed: ${broken.map(([who, answer]) => `${who}: ${answer.problem ?? `error ${answer.error}`}`).join('; ')}`,
      ),
    );

  if (a1.cacheKey !== undefined && a1.cacheKey === b.cacheKey)
    return fail(
      say(
        `A e B receberam a mesma chave de cache (${a1.cacheKey}): planos privados não são separados por cliente${b.cacheHit ? ', e B foi servido pela entrada de A' : ''}`,
        `A and B got the same cache key (${a1.cacheKey}): private plans are not keyed per client${b.cacheHit ? ", and B was served A's entry" : ''}`,
      ),
    );

  const leak = assessLeak(a1.answer ?? '', a2.answer ?? undefined, b.answer ?? '', input.nicknameA);
  evidence.push({
    kind: 'facts',
    title: say('Dados privados de A na resposta de B', "A's private data in B's answer"),
    facts: [
      { label: say('texto idêntico ao de A', "text identical to A's"), value: leak.identical },
      { label: say('apelido de A', "A's nickname"), value: leak.nicknameLeaked },
      {
        label: say('tickers e números de A', "A's tickers and figures"),
        value: leak.aTokens.join(' ') || '-',
      },
      {
        label: say('presentes na resposta de B', "present in B's answer"),
        value: leak.shared.join(' ') || '-',
      },
    ],
  });
  if (leak.identical)
    return fail(
      say('B recebeu exatamente a resposta privada de A', "B received A's private answer word for word"),
    );
  if (leak.nicknameLeaked)
    return fail(
      say(
        `a resposta de B cita o apelido de A (${input.nicknameA})`,
        `B's answer names A's nickname (${input.nicknameA})`,
      ),
    );
  // Most of A's figures in B's answer is a leak; a few shared ones may be public data both portfolios hold.
  if (leak.aTokens.length >= 2 && leak.shared.length * 2 >= leak.aTokens.length)
    return fail(
      say(
        `a resposta de B contém ${leak.shared.length} de ${leak.aTokens.length} tickers/números da resposta de A (${leak.shared.join(' ')})`,
        `B's answer holds ${leak.shared.length} of the ${leak.aTokens.length} tickers/figures of A's answer (${leak.shared.join(' ')})`,
      ),
    );

  const warnings: string[] = [];
  if (a1.cacheKey === undefined || b.cacheKey === undefined)
    warnings.push(
      say('chaves de cache ausentes: não dá para comparar', 'cache keys missing: cannot compare them'),
    );
  if (b.cacheHit === true)
    warnings.push(
      say(
        `B já era hit na própria chave (${b.cacheKey}), provavelmente de uma execução anterior dentro do TTL`,
        `B was already a hit on its own key (${b.cacheKey}), likely from an earlier run within the TTL`,
      ),
    );
  const cacheDown = [a1, b, a2].filter((answer) => answer.cacheAvailable === false).length;
  if (a2.cacheHit !== true && cacheDown > 0)
    warnings.push(
      say(
        `a repetição de A não veio do cache: o cache do stage estava indisponível (cache_available: false em ${cacheDown} de 3 respostas)`,
        `A's repeat was not served from the cache: the stage's cache was unavailable (cache_available: false on ${cacheDown} of 3 answers)`,
      ),
    );
  else if (a2.cacheHit !== true)
    warnings.push(
      say(
        'a repetição de A não veio do cache: o cache de planos privados não está em uso',
        "A's repeat was not served from the cache: private plans are not cached",
      ),
    );
  else if (a2.cacheKey !== a1.cacheKey)
    warnings.push(
      say(
        `a repetição de A usou outra chave (${a2.cacheKey})`,
        `A's repeat used another key (${a2.cacheKey})`,
      ),
    );
  if (leak.shared.length > 0)
    warnings.push(
      say(
        `B compartilha ${leak.shared.join(' ')} com A (pode ser dado público de ambas as carteiras)`,
        `B shares ${leak.shared.join(' ')} with A (may be public data both portfolios hold)`,
      ),
    );
  if (leak.aTokens.length === 0 && (a1.answer ?? '').trim() === '')
    warnings.push(
      say('a resposta de A veio vazia: nada para comparar', "A's answer was empty: nothing to compare"),
    );
  if (warnings.length > 0) return { status: 'warn', reason: warnings.join('; '), evidence };
  return {
    status: 'pass',
    reason: say(
      `chaves distintas para A e B, B não foi hit, a repetição de A foi hit, e a resposta de B não tem nenhum dos ${leak.aTokens.length} tickers/números de A`,
      `distinct keys for A and B, B was not a hit, A's repeat was a hit, and B's answer holds none of A's ${leak.aTokens.length} tickers/figures`,
    ),
    evidence,
  };
}

/** The private question without a possessive: a stage that classifies it public shares it. */
export const PLAIN_PRIVATE_QUESTION = 'Quais FIIs eu tenho?';
/**
 * Fresh clients of this run, besides client-a and client-b: ids no earlier run used. `demo-…` ids open
 * a sample portfolio of their own on the reference stage (a stage with real accounts gives them data too).
 */
export const FRESH_CLIENTS = ['demo-{run}-c', 'demo-{run}-d'];

export interface PrivateAsk {
  client: string;
  nickname: string;
  question: string;
  phase: 'sequential' | 'concurrent';
  answer: AskAnswer;
}

/** A client id or nickname, found as a whole word (so `client-a` is not found in `client-ab`). */
function holdsName(text: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w-])${escaped}(?![\\w-])`).test(text);
}

/**
 * Every response searched whole (`meta` included) for the other clients' identifying data: their
 * nickname, their id, or their own figures (tickers and numbers found in every answer they got and in
 * no other client's answers).
 */
export function decideConcurrentIsolation(
  asks: PrivateAsk[],
  say: ReturnType<typeof localize>,
): {
  failure?: string;
  evidence: Evidence[];
} {
  const clients = [...new Set(asks.map((entry) => entry.client))];
  const answersOf = (client: string) => asks.filter((entry) => entry.client === client);
  const own = new Map<string, string[]>();
  for (const client of clients) {
    const sets = answersOf(client).map((entry) => privateTokens(entry.answer.answer ?? ''));
    own.set(
      client,
      [...(sets[0] ?? [])].filter((token) => sets.every((set) => set.has(token))),
    );
  }
  const exclusive = new Map<string, string[]>();
  for (const client of clients)
    exclusive.set(
      client,
      own
        .get(client)!
        .filter((token) => clients.every((other) => other === client || !own.get(other)!.includes(token))),
    );
  const nicknames = new Map(asks.map((entry) => [entry.client, entry.nickname]));
  const leaks: string[] = [];
  for (const entry of asks) {
    const body = entry.answer.exchange.body ?? '';
    const bodyTokens = privateTokens(body);
    for (const other of clients) {
      if (other === entry.client) continue;
      const found: string[] = [];
      if (holdsName(body, nicknames.get(other)!)) found.push(nicknames.get(other)!);
      if (holdsName(body, other)) found.push(other);
      const figures = exclusive.get(other)!.filter((token) => bodyTokens.has(token));
      if (figures.length >= Math.min(2, exclusive.get(other)!.length) && figures.length > 0)
        found.push(...figures);
      if (found.length > 0)
        leaks.push(
          say(
            `${entry.phase === 'concurrent' ? 'em paralelo' : 'em sequência'}, "${entry.question}" de ${entry.client} traz dados de ${other}: ${found.join(' ')}`,
            `${entry.phase}, "${entry.question}" of ${entry.client} holds ${other}'s data: ${found.join(' ')}`,
          ),
        );
    }
  }
  const concurrent = asks.filter((entry) => entry.phase === 'concurrent');
  const sharedKeys: string[] = [];
  for (const question of new Set(concurrent.map((entry) => entry.question))) {
    const byKey = new Map<string, string[]>();
    for (const entry of concurrent.filter((item) => item.question === question && item.answer.cacheKey))
      byKey.set(entry.answer.cacheKey!, [...(byKey.get(entry.answer.cacheKey!) ?? []), entry.client]);
    for (const [key, holders] of byKey)
      if (new Set(holders).size > 1) sharedKeys.push(`"${question}": ${holders.join(', ')} → ${key}`);
  }
  const broken = concurrent.filter(
    (entry) => entry.answer.problem !== undefined || entry.answer.error !== undefined,
  );
  const evidence: Evidence[] = [
    {
      kind: 'table',
      title: say(
        'Perguntas privadas em paralelo, resposta inteira (meta incluído)',
        'Private asks at once, whole response (meta included)',
      ),
      columns: [
        say('cliente', 'client'),
        say('pergunta', 'question'),
        say('réplica', 'replica'),
        'hit',
        say('chave', 'key'),
        say('resposta', 'answer'),
      ],
      rows: concurrent.map((entry) => [
        entry.client,
        entry.question,
        entry.answer.replica ?? '?',
        entry.answer.cacheHit === undefined ? '?' : entry.answer.cacheHit,
        entry.answer.cacheKey ?? '?',
        entry.answer.problem ?? entry.answer.error ?? (entry.answer.answer ?? '').slice(0, 120),
      ]),
    },
    {
      kind: 'facts',
      title: say('Dados que identificam cada cliente', "Each client's identifying data"),
      facts: clients.map((client) => ({
        label: client,
        value: `${nicknames.get(client)} ${exclusive.get(client)!.join(' ')}`.trim(),
      })),
    },
  ];
  if (broken.length > 0)
    return {
      evidence,
      failure: say(
        `perguntas privadas em paralelo falharam: ${summarizeProblems(broken.map((entry) => entry.answer.problem ?? `erro ${entry.answer.error}`))}`,
        `private asks at once failed: ${summarizeProblems(broken.map((entry) => entry.answer.problem ?? `error ${entry.answer.error}`))}`,
      ),
    };
  if (sharedKeys.length > 0)
    return {
      evidence,
      failure: say(
        `clientes diferentes receberam a mesma chave de cache para uma pergunta privada (${sharedKeys.join('; ')}): a pergunta foi tratada como pública ou coalescida entre clientes`,
        `different clients got the same cache key for a private question (${sharedKeys.join('; ')}): the question was treated as public or coalesced across clients`,
      ),
    };
  if (leaks.length > 0) return { evidence, failure: `${summarizeProblems(leaks, 2)}` };
  return { evidence };
}

export const privateIsolationCheck: Check = async (context) => {
  const { options, http, logger, runToken } = context;
  const say = localize(options.language);
  const clientA = resolveClientId(options.clientA, runToken);
  const clientB = resolveClientId(options.clientB, runToken);
  const fresh = FRESH_CLIENTS.map((template) => resolveClientId(template, runToken));
  const nicknameA = `Ana-${runToken}`;
  const nicknames = new Map([
    [clientA, nicknameA],
    [clientB, `Bruno-${runToken}`],
    [fresh[0]!, `Caio-${runToken}`],
    [fresh[1]!, `Davi-${runToken}`],
  ]);
  const body = (client: string, question: string, turn: string): AskRequest => ({
    question,
    conversation_id: `gate-${runToken}-pi-${client}-${turn}`.slice(0, 128),
    client_id: client,
    nickname: nicknames.get(client)!,
  });
  const fields = ['answer', 'cacheHit', 'cacheKey'] as const;
  const ask = async (client: string, turn: number) =>
    readAskAnswer(
      await http.postJson(ROUTES.ask, body(client, options.privateQuestion, String(turn))),
      options,
      [...fields],
    );
  logger.info(
    `private-isolation: "${options.privateQuestion}" as ${clientA}, ${clientB}, ${clientA} in turn; then it and "${PLAIN_PRIVATE_QUESTION}" as ${[...nicknames.keys()].join(', ')} at once`,
  );
  // In order, one at a time: B must come after A's answer is cached, and A's repeat after B.
  const a1 = await ask(clientA, 1);
  const b = await ask(clientB, 1);
  const a2 = await ask(clientA, 2);
  // Then every client and both phrasings at once: a stage that coalesces private asks shows it here.
  const questions = [options.privateQuestion, PLAIN_PRIVATE_QUESTION];
  const plan = [...nicknames.keys()].flatMap((client) => questions.map((question) => ({ client, question })));
  const burst = await context.burst(
    plan.map(({ client, question }, index) => ({
      method: 'POST' as const,
      path: ROUTES.ask,
      body: body(client, question, `c${index + 1}`),
    })),
  );
  const asks: PrivateAsk[] = [
    {
      client: clientA,
      nickname: nicknameA,
      question: options.privateQuestion,
      phase: 'sequential',
      answer: a1,
    },
    {
      client: clientB,
      nickname: nicknames.get(clientB)!,
      question: options.privateQuestion,
      phase: 'sequential',
      answer: b,
    },
    {
      client: clientA,
      nickname: nicknameA,
      question: options.privateQuestion,
      phase: 'sequential',
      answer: a2,
    },
    ...plan.map(({ client, question }, index) => ({
      client,
      question,
      nickname: nicknames.get(client)!,
      phase: 'concurrent' as const,
      answer: readAskAnswer(burst.exchanges[index]!, options, [...fields]),
    })),
  ];
  const sequential = decidePrivateIsolation({
    question: options.privateQuestion,
    clientA,
    clientB,
    nicknameA,
    a1,
    b,
    a2,
    language: options.language,
  });
  const concurrent = decideConcurrentIsolation(asks, say);
  const evidence = [...sequential.evidence, ...concurrent.evidence];
  if (sequential.status === 'fail')
    return { id: 'private-isolation', ...sequential, evidence, durationMs: 0 };
  if (concurrent.failure)
    return { id: 'private-isolation', status: 'fail', reason: concurrent.failure, evidence, durationMs: 0 };
  const scope = say(
    `; ${asks.length} perguntas privadas de ${nicknames.size} clientes (2 novos nesta execução), em sequência e em paralelo, com e sem possessivo: nenhuma resposta (nem o seu meta) traz dados de outro cliente`,
    `; ${asks.length} private asks from ${nicknames.size} clients (2 fresh this run), in turn and at once, possessive and not: no response (nor its meta) holds another client's data`,
  );
  return {
    id: 'private-isolation',
    ...sequential,
    reason: `${sequential.reason}${scope}`,
    evidence,
    durationMs: 0,
  };
};
