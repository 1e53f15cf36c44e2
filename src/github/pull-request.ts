/**
 * Which pull request a run belongs to: from the event payload on pull_request events, and from the
 * commit on a push (or a manual run), as the PR whose head is that commit. No PR is a normal answer.
 */
import type { EventContext } from './event-context.js';
import type { GitHubApi } from './github-api.js';
import { describeApiError } from './github-api.js';
import type { Logger } from './ports.js';

function numberAt(payload: Record<string, unknown>, key: string): number | undefined {
  const value = payload[key];
  if (value !== null && typeof value === 'object') {
    const n = (value as Record<string, unknown>)['number'];
    if (typeof n === 'number' && Number.isInteger(n) && n > 0) return n;
  }
  return undefined;
}

export async function findPullRequestNumber(
  context: EventContext,
  api: GitHubApi,
  logger: Logger,
): Promise<number | undefined> {
  const fromPayload = numberAt(context.payload, 'pull_request');
  if (fromPayload !== undefined) return fromPayload;
  const issue = context.payload['issue'];
  if (issue !== null && typeof issue === 'object' && 'pull_request' in issue) {
    const n = numberAt(context.payload, 'issue');
    if (n !== undefined) return n;
  }
  if (!context.repo || !/^[0-9a-f]{7,64}$/i.test(context.sha)) {
    logger.debug('PR lookup: no repository or commit in the environment');
    return undefined;
  }
  try {
    const pulls = await api.pullRequestsForCommit(context.repo, context.sha);
    const open = pulls.filter((pr) => pr.state === 'open');
    // The PR whose head is this very commit is the one the run is about; otherwise any open one holding it.
    const chosen = open.find((pr) => pr.headSha === context.sha) ?? open[0];
    if (!chosen) {
      logger.debug(`PR lookup: no open pull request holds commit ${context.sha}`);
      return undefined;
    }
    return chosen.number;
  } catch (error) {
    logger.warn(`PR lookup for commit ${context.sha} failed (${describeApiError(error)}); no PR comment.`);
    return undefined;
  }
}
