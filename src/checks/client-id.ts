/** The client ids the private-isolation check asks as, made fresh per run when the option asks for it. */

/** Replaced in client ids by a per-run token, so a re-run against a persistent stage starts cold. */
export const RUN_PLACEHOLDER = '{run}';

/** Replace the run placeholder in a client id by this run's token. */
export function resolveClientId(template: string, runToken: string): string {
  return template.split(RUN_PLACEHOLDER).join(runToken);
}
