/**
 * A fact of a check's evidence, by its label: the value as text, or undefined when no "facts" evidence
 * of the check carries that label.
 */
import type { CheckResult } from '../../src/report/model.js';

export function factOf(check: CheckResult, label: string): string | undefined {
  for (const evidence of check.evidence)
    if (evidence.kind === 'facts') {
      const found = evidence.facts.find((entry) => entry.label === label);
      if (found) return String(found.value);
    }
  return undefined;
}
