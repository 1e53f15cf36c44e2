/**
 * The simulator's replies: deterministic text built from the prompt, so tests can predict them. It does
 * not pretend to understand anything: a prompt carrying a data list ("- fact" lines) is summarised by
 * restating those facts, anything else is acknowledged as a simulated reply.
 */

export function buildReply(model: string, prompt: string): string {
  const facts = prompt
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('- ') && line.length > 2)
    .map((line) => line.slice(2).trim());
  if (facts.length > 0) return `[ollama-sim ${model}] Segundo os dados fornecidos: ${facts.join(' ')}`;
  const question = /Pergunta:\s*(.+)/.exec(prompt)?.[1]?.trim() ?? prompt.trim();
  const shown = question.length > 200 ? `${question.slice(0, 200)}…` : question;
  return (
    `[ollama-sim ${model}] Resposta simulada para "${shown}". ` +
    'Este texto foi gerado de forma determinística pelo simulador, sem modelo de linguagem.'
  );
}

/** Splits a reply into streamable pieces (a word and the space after it), like tokens. */
export function tokenize(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [];
}

/** Rough prompt token count, for the `prompt_eval_count` statistic. */
export function countTokens(text: string): number {
  return tokenize(text).length;
}
