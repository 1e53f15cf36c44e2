/**
 * The workflow run's context, read from the runner's environment when asked (not at import time, as
 * @actions/github's `context` is), so one process can be pointed at different events in tests.
 */
import { readFileSync } from 'node:fs';
import type { RepoRef } from './github-api.js';

export interface EventContext {
  eventName: string;
  repo: RepoRef | undefined;
  sha: string;
  /** The job's id in the workflow (`GITHUB_JOB`), the default key of the sticky comment. */
  job: string;
  apiUrl: string;
  /** The webhook payload (`GITHUB_EVENT_PATH`), `{}` when absent or unreadable. */
  payload: Record<string, unknown>;
}

function readPayload(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function parseRepo(value: string | undefined): RepoRef | undefined {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(value ?? '');
  return match ? { owner: match[1] as string, repo: match[2] as string } : undefined;
}

export function readEventContext(env: NodeJS.ProcessEnv = process.env): EventContext {
  return {
    eventName: env['GITHUB_EVENT_NAME'] ?? '',
    repo: parseRepo(env['GITHUB_REPOSITORY']),
    sha: env['GITHUB_SHA'] ?? '',
    job: env['GITHUB_JOB'] ?? '',
    apiUrl: env['GITHUB_API_URL'] || 'https://api.github.com',
    payload: readPayload(env['GITHUB_EVENT_PATH']),
  };
}
