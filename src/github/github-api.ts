/**
 * The parts of GitHub's REST API the action uses, as one interface: the sticky-comment and PR-lookup
 * logic is written against it, and octokit-github-api.ts implements it.
 */

export interface IssueComment {
  id: number;
  body: string;
  /** Author; `type` is `User` or `Bot` (GITHUB_TOKEN comments come from `github-actions[bot]`). */
  user: { login: string; type: string } | null;
  htmlUrl: string;
}

export interface PullRequestRef {
  number: number;
  state: string;
  headSha: string;
}

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface GitHubApi {
  /**
   * Login of the token's user (`GET /user`). Resolves to undefined when the token may not ask, as with
   * GITHUB_TOKEN and other installation tokens (403 "Resource not accessible by integration").
   */
  authenticatedLogin(): Promise<string | undefined>;
  /** Every comment of an issue or PR, all pages, oldest first. */
  listIssueComments(repo: RepoRef, issueNumber: number): Promise<IssueComment[]>;
  createIssueComment(repo: RepoRef, issueNumber: number, body: string): Promise<IssueComment>;
  updateIssueComment(repo: RepoRef, commentId: number, body: string): Promise<IssueComment>;
  /** Pull requests whose history holds `sha` (`GET /repos/{owner}/{repo}/commits/{sha}/pulls`). */
  pullRequestsForCommit(repo: RepoRef, sha: string): Promise<PullRequestRef[]>;
  /** One pull request (`GET /repos/{owner}/{repo}/pulls/{number}`); undefined when there is none. */
  getPullRequest(repo: RepoRef, pullNumber: number): Promise<PullRequestRef | undefined>;
}

/** The HTTP status of an API error (Octokit's RequestError carries it), if any. */
export function httpStatusOf(error: unknown): number | undefined {
  if (error !== null && typeof error === 'object' && 'status' in error) {
    const status = (error as { status: unknown }).status;
    if (typeof status === 'number') return status;
  }
  return undefined;
}

/** A short description of an API error for a log line: status and message, never headers or tokens. */
export function describeApiError(error: unknown): string {
  const status = httpStatusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n')[0]?.slice(0, 300) ?? '';
  return status !== undefined ? `HTTP ${status}: ${firstLine}` : firstLine;
}
