/**
 * Removes secrets from a report before anything renders or writes it. A stage can echo anything into
 * its logs and error strings (its environment included), so every string in the report is scrubbed of
 * the secrets the caller knows and of anything shaped like a GitHub token.
 */
import type { GateReport } from './model.js';

const REDACTED = '***';

/** GitHub token formats: classic and fine-grained PATs, OAuth, app installation, user-to-server, refresh. */
const GITHUB_TOKEN_PATTERN = /\b(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{30,255})\b/g;
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
    return out;
  };
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
