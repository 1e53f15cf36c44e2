/**
 * Removes secrets from a report before anything renders or writes it. A stage can echo anything into
 * its logs and error strings (its environment included), so every string in the report is scrubbed of
 * the secrets the caller knows and of anything shaped like a GitHub token.
 */
import type { GateReport } from './model.js';

export const REDACTED = '***';

/** GitHub token formats: classic and fine-grained PATs, OAuth, app installation, user-to-server, refresh. */
const GITHUB_TOKEN_PATTERN = /\b(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{30,255})\b/g;
/**
 * What every cut in the report ends with (snippets of answers, log lines). A secret cut short by one
 * is no longer whole, but its first characters still say too much.
 */
const CUT_MARK = '…';
/** The start of a GitHub token, cut short before it is long enough to match its whole shape. */
const CUT_GITHUB_TOKEN_PATTERN = /\b(?:gh[pousr]_|github_pat_)[A-Za-z0-9_]*…/g;
/** The least of a secret's first characters scrubbed before a cut: fewer tell next to nothing. */
const MIN_CUT_PREFIX = 4;
/** Shorter values are too likely to be ordinary words or numbers to be scrubbed everywhere. */
export const MIN_SECRET_LENGTH = 6;
/** Environment variables whose values are treated as secrets when collected from an environment. */
const SECRET_ENV_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE|CREDENTIAL|API_?KEY|ACCESS_?KEY|AUTH/i;

/**
 * Values of the secret-looking variables of `env` (e.g. `GITHUB_TOKEN`, `ACTIONS_RUNTIME_TOKEN`).
 * The action's inputs (`INPUT_*`) are left out: `private-question` is not a secret, and the one input
 * that is (`github-token`) is passed in by name.
 */
export function secretsFromEnv(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(
      ([name, value]) =>
        !name.startsWith('INPUT_') && SECRET_ENV_NAME.test(name) && typeof value === 'string',
    )
    .map(([, value]) => value as string);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A function that scrubs `secrets` (and token-shaped strings) out of one string. */
export function createRedactor(secrets: readonly string[]): (text: string) => string {
  const usable = [...new Set(secrets.map((s) => s.trim()).filter((s) => s.length >= MIN_SECRET_LENGTH))];
  // Longest first, so a secret containing another is removed whole.
  usable.sort((a, b) => b.length - a.length);
  const known = usable.length > 0 ? new RegExp(usable.map(escapeRegExp).join('|'), 'g') : undefined;
  return (text: string) => {
    let out = known ? text.replace(known, REDACTED) : text;
    out = out.replace(GITHUB_TOKEN_PATTERN, REDACTED);
    if (!out.includes(CUT_MARK)) return out;
    out = out.replace(CUT_GITHUB_TOKEN_PATTERN, `${REDACTED}${CUT_MARK}`);
    return scrubCutSecrets(out, usable);
  };
}

/** Replaces the start of a secret that a cut (`…`) left in `text`, e.g. `pass: hunter2-da…` → `pass: ***…`. */
function scrubCutSecrets(text: string, secrets: readonly string[]): string {
  let out = '';
  let from = 0;
  for (let at = text.indexOf(CUT_MARK); at !== -1; at = text.indexOf(CUT_MARK, at + 1)) {
    // The longest start of any secret that ends right at this cut (and after the previous one).
    const startLength = (secret: string): number => {
      for (let length = Math.min(secret.length - 1, at - from); length >= MIN_CUT_PREFIX; length--)
        if (text.startsWith(secret.slice(0, length), at - length)) return length;
      return 0;
    };
    const cut = Math.max(0, ...secrets.map(startLength));
    if (cut === 0) continue;
    out += `${text.slice(from, at - cut)}${REDACTED}`;
    from = at;
  }
  return out + text.slice(from);
}

function redactValue(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, redact));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, redactValue(item, redact)]),
    );
  }
  return value;
}

/** A copy of `report` in which no string holds any of `secrets` or a GitHub token. */
export function redactReport(report: GateReport, secrets: readonly string[]): GateReport {
  return redactValue(report, createRedactor(secrets)) as GateReport;
}
