/**
 * GitHubApi over @actions/github's Octokit (proxy-aware, GHES-aware through the base URL). Every call
 * is bounded in time, so a slow API cannot hold the step.
 */
import { getOctokit } from '@actions/github';
import type { GitHubApi, IssueComment, PullRequestRef, RepoRef } from './github-api.js';
import { httpStatusOf } from './github-api.js';

export interface OctokitApiOptions {
  token: string;
  /** REST base URL: `GITHUB_API_URL` on a runner (GitHub Enterprise included), a local server in tests. */
  baseUrl: string;
  /** Upper bound for one call (for a paginated list, all its pages). */
  timeoutMs?: number;
}

interface RawComment {
  id: number;
  body?: string | null;
  html_url: string;
  user: { login: string; type: string } | null;
}

/** 100 comments a page: a PR with more than 10,000 comments is not searched further. */
const MAX_COMMENT_PAGES = 100;

/** The `rel="next"` URL of a Link header, if any. */
function nextPageUrl(link: string | undefined): string | undefined {
  for (const part of (link ?? '').split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match) return match[1];
  }
  return undefined;
}

function toComment(raw: RawComment): IssueComment {
  return {
    id: raw.id,
    body: raw.body ?? '',
    user: raw.user ? { login: raw.user.login, type: raw.user.type } : null,
    htmlUrl: raw.html_url,
  };
}

export function createOctokitGitHubApi(options: OctokitApiOptions): GitHubApi {
  const octokit = getOctokit(options.token, { baseUrl: options.baseUrl.replace(/\/+$/, '') });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const request = () => ({ signal: AbortSignal.timeout(timeoutMs) });

  return {
    async authenticatedLogin() {
      try {
        const { data } = await octokit.rest.users.getAuthenticated({ request: request() });
        return data.login;
      } catch (error) {
        // Installation tokens (GITHUB_TOKEN included) may not read /user: 403 "Resource not accessible by integration".
        const status = httpStatusOf(error);
        if (status === 403 || status === 401 || status === 404) return undefined;
        throw error;
      }
    },
    async listIssueComments(repo: RepoRef, issueNumber: number) {
      // Paged by hand, following Link rel="next": octokit.paginate drops per-request options, so the
      // time bound (an abort signal) would not reach the later pages.
      const signal = request();
      const comments: IssueComment[] = [];
      let response: { data: unknown; headers: { link?: string } } = await octokit.rest.issues.listComments({
        ...repo,
        issue_number: issueNumber,
        per_page: 100,
        request: signal,
      });
      for (let page = 1; ; page++) {
        comments.push(...(response.data as RawComment[]).map(toComment));
        const next = nextPageUrl(response.headers.link);
        if (!next || page >= MAX_COMMENT_PAGES) break;
        response = await octokit.request({ method: 'GET', url: next, request: signal });
      }
      return comments;
    },
    async createIssueComment(repo: RepoRef, issueNumber: number, body: string) {
      const { data } = await octokit.rest.issues.createComment({
        ...repo,
        issue_number: issueNumber,
        body,
        request: request(),
      });
      return toComment(data as RawComment);
    },
    async updateIssueComment(repo: RepoRef, commentId: number, body: string) {
      const { data } = await octokit.rest.issues.updateComment({
        ...repo,
        comment_id: commentId,
        body,
        request: request(),
      });
      return toComment(data as RawComment);
    },
    async pullRequestsForCommit(repo: RepoRef, sha: string): Promise<PullRequestRef[]> {
      const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
        ...repo,
        commit_sha: sha,
        per_page: 100,
        request: request(),
      });
      return data.map((pr) => ({ number: pr.number, state: pr.state, headSha: pr.head.sha }));
    },
    async getPullRequest(repo: RepoRef, pullNumber: number): Promise<PullRequestRef | undefined> {
      try {
        const { data } = await octokit.rest.pulls.get({
          ...repo,
          pull_number: pullNumber,
          request: request(),
        });
        return { number: data.number, state: data.state, headSha: data.head.sha };
      } catch (error) {
        if (httpStatusOf(error) === 404) return undefined;
        throw error;
      }
    },
  };
}
