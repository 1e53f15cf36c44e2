/**
 * One PR comment per PR and job, kept up to date: found again by a hidden marker at the start of its
 * body among all the PR's comments, written by the same identity as this run's token, edited in place,
 * and left alone when nothing changed. Failures to comment never fail the gate: a fork's read-only
 * token (403) or any other API error becomes a warning, and the summary and the verdict still stand.
 */
import type { GitHubApi, IssueComment, RepoRef } from './github-api.js';
import { describeApiError, httpStatusOf } from './github-api.js';
import type { Logger } from './ports.js';

/** What GITHUB_TOKEN's comments are authored as. */
const ACTIONS_BOT_LOGIN = 'github-actions[bot]';

export type StickyOutcome =
  | { action: 'created' | 'updated' | 'unchanged'; commentId: number; url: string }
  | { action: 'skipped'; reason: string };

export interface StickyTarget {
  repo: RepoRef;
  issueNumber: number;
  /** Distinguishes this job's comment from other jobs' (and other workflows'). */
  key: string;
}

/** Keeps a key to characters that cannot end the HTML comment or be confused with another key. */
function normaliseCommentKey(key: string): string {
  const cleaned = key
    .trim()
    .replace(/[^A-Za-z0-9._/-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
  return cleaned.slice(0, 100) || 'default';
}

/** The hidden marker line that starts the comment's body: `<!-- stagegate:<key> -->`. */
export function commentMarker(key: string): string {
  return `<!-- stagegate:${normaliseCommentKey(key)} -->`;
}

export function stickyBody(key: string, markdown: string): string {
  return `${commentMarker(key)}\n${markdown}`;
}

function sameBody(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/\r\n/g, '\n').trimEnd();
  return norm(a) === norm(b);
}

/**
 * Whether `comment` was written by this run's identity. When `/user` told us the login, that decides;
 * installation tokens cannot ask, and their comments are the bot's (`type: Bot`), which no person can
 * post as, so a person cannot plant a marker that the action would then overwrite.
 */
function writtenByUs(comment: IssueComment, login: string | undefined): boolean {
  if (!comment.user) return false;
  if (login !== undefined) return comment.user.login === login;
  return comment.user.type === 'Bot';
}

/** The line-start marker match: a marker quoted further down someone's body does not count. */
function carriesMarker(comment: IssueComment, marker: string): boolean {
  return comment.body.replace(/^\uFEFF/, '').startsWith(marker);
}

function skipped(logger: Logger, reason: string): StickyOutcome {
  logger.warn(reason);
  return { action: 'skipped', reason };
}

export async function upsertStickyComment(
  api: GitHubApi,
  target: StickyTarget,
  markdown: string,
  logger: Logger,
): Promise<StickyOutcome> {
  const marker = commentMarker(target.key);
  const body = stickyBody(target.key, markdown);
  const where = `${target.repo.owner}/${target.repo.repo}#${target.issueNumber}`;
  try {
    const login = await api.authenticatedLogin();
    logger.debug(
      login !== undefined
        ? `PR comment: token user is ${login}`
        : 'PR comment: token cannot read /user (installation token); matching bot-authored comments',
    );
    const comments = await api.listIssueComments(target.repo, target.issueNumber);
    const ours = comments.filter((c) => carriesMarker(c, marker) && writtenByUs(c, login));
    // With an installation token, several apps may be bots: prefer the Actions bot when present.
    const existing = ours.find((c) => c.user?.login === ACTIONS_BOT_LOGIN) ?? ours[0];
    if (!existing) {
      const created = await api.createIssueComment(target.repo, target.issueNumber, body);
      logger.info(`PR comment created on ${where}: ${created.htmlUrl}`);
      return { action: 'created', commentId: created.id, url: created.htmlUrl };
    }
    if (sameBody(existing.body, body)) {
      logger.info(`PR comment on ${where} is already up to date: ${existing.htmlUrl}`);
      return { action: 'unchanged', commentId: existing.id, url: existing.htmlUrl };
    }
    const updated = await api.updateIssueComment(target.repo, existing.id, body);
    logger.info(`PR comment updated on ${where}: ${updated.htmlUrl}`);
    return { action: 'updated', commentId: updated.id, url: updated.htmlUrl };
  } catch (error) {
    const status = httpStatusOf(error);
    if (status === 403 || status === 404) {
      return skipped(
        logger,
        `PR comment skipped on ${where}: the token may not comment (${describeApiError(error)}). ` +
          'Pull requests from forks get a read-only token; the job summary and the verdict still stand. ' +
          "Grant 'pull-requests: write' to comment on same-repository pull requests.",
      );
    }
    return skipped(
      logger,
      `PR comment skipped on ${where}: ${describeApiError(error)}. The job summary and the verdict still stand.`,
    );
  }
}
