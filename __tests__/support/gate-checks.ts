/**
 * The checks a test runs when it does not ask for chat-capacity: every check but the capacity search,
 * which takes its whole time budget on a healthy stage. A test about chat-capacity selects it itself.
 */
import { CHECK_IDS, type CheckId } from '../../src/report/model.js';

export const CHECKS_WITHOUT_CAPACITY: CheckId[] = CHECK_IDS.filter((id) => id !== 'chat-capacity');
/** The same, as the `checks` input and the `--checks` flag take it. */
export const CHECKS_WITHOUT_CAPACITY_TEXT = CHECKS_WITHOUT_CAPACITY.join(',');
