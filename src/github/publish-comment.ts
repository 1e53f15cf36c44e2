/**
 * Posts a report that was made elsewhere (publish mode) as the sticky comment of a pull request named
 * by number. The number comes from the same untrusted artifact as the report, so when the commit the
 * report was made for is known (the workflow_run's head_sha, which GitHub sets), the pull request's head
 * must be that commit: a report cannot be steered onto someone else's pull request.
 */
import type { GitHubApi } from './github-api.js';
import { describeApiError } from './github-api.js';
import type { Logger } from './ports.js';
import { upsertStickyComment, type StickyOutcome, type StickyTarget } from './sticky-comment.js';

export interface PublishTarget extends StickyTarget {
  /** The commit the report was made for; when set, the pull request's head must be this commit. */
  headSha?: string;
}

export async function publishComment(
  api: GitHubApi,
  target: PublishTarget,
  markdown: string,
  logger: Logger,
): Promise<StickyOutcome> {
  const where = `${target.repo.owner}/${target.repo.repo}#${target.issueNumber}`;
  if (target.headSha) {
    let pull;
    try {
      pull = await api.getPullRequest(target.repo, target.issueNumber);
    } catch (error) {
      return refuse(logger, `could not read pull request ${where} (${describeApiError(error)})`);
    }
    if (!pull) return refuse(logger, `there is no pull request ${where}`);
    if (pull.headSha.toLowerCase() !== target.headSha.toLowerCase())
      return refuse(
        logger,
        `the head of ${where} is ${pull.headSha.slice(0, 12)}, not ${target.headSha.slice(0, 12)}, the commit the report was made for ` +
          '(the pull request moved on, and its newer run publishes its own report; or the report names another pull request)',
      );
    logger.debug(`publish: ${where} has head ${pull.headSha}, the commit the report was made for`);
  }
  return upsertStickyComment(api, target, markdown, logger);
}

function refuse(logger: Logger, reason: string): StickyOutcome {
  const message = `PR comment not posted: ${reason}.`;
  logger.warn(message);
  return { action: 'skipped', reason: message };
}
