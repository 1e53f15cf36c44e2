/**
 * Runs the action's main entry in publish mode the way this repository's stagegate-publish.yml does:
 * the inputs are that workflow's own `with:` block, its expressions filled in with what GitHub would
 * put there (the artifact's folder, the pull request's number, the workflow_run's head commit).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { renderJson } from '../../src/report/json-renderer.js';
import type { GateReport } from '../../src/report/model.js';
import type { FakeGitHub } from '../github/fake-github.js';
import { REPO_ROOT, runEntry, type EntryRun } from './run-entry.js';

export const PUBLISH_WORKFLOW = '.github/workflows/stagegate-publish.yml';
export const HEAD_SHA = 'c0ffee0000000000000000000000000000c0ffee';
export const PR = 7;

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}

/** The `with:` of the workflow's step that runs this action (`uses: ./` or `…/stagegate@…`). */
export function actionStepInputs(workflowPath: string): Record<string, string> {
  const workflow = parse(readFileSync(join(REPO_ROOT, workflowPath), 'utf8')) as {
    jobs: Record<string, { steps: Step[] }>;
  };
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
  const step = steps.find((s) => s.uses === './' || /\/stagegate@/.test(s.uses ?? ''));
  if (!step) throw new Error(`${workflowPath} has no step running the action`);
  return Object.fromEntries(Object.entries(step.with ?? {}).map(([key, value]) => [key, String(value)]));
}

/** `${{ expr }}` → values[expr]; an expression the test did not expect is an error, not a silent blank. */
export function fillExpressions(inputs: Record<string, string>, values: Record<string, string>) {
  return Object.fromEntries(
    Object.entries(inputs).map(([key, value]) => [
      key,
      value.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
        if (!(expr in values)) throw new Error(`unexpected expression ${expr} in input ${key}`);
        return values[expr]!;
      }),
    ]),
  );
}

export interface PublishWorkspace {
  /** The workspace (cwd of the step): holds `.stagegate-baseline/report.json` when a baseline is given. */
  workspace: string;
  /** `runner.temp`: the artifact is downloaded to `<temp>/stagegate-report/`. */
  temp: string;
  remove(): void;
}

/** The files the publish job would have: the downloaded artifact, and the baseline from the cache. */
export function publishWorkspace(
  report: GateReport | string,
  baseline?: GateReport | string,
): PublishWorkspace {
  const root = mkdtempSync(join(tmpdir(), 'stagegate-publish-'));
  const workspace = join(root, 'work');
  const temp = join(root, 'temp');
  mkdirSync(join(temp, 'stagegate-report'), { recursive: true });
  mkdirSync(workspace);
  const text = (r: GateReport | string) => (typeof r === 'string' ? r : renderJson(r));
  writeFileSync(join(temp, 'stagegate-report', 'report.json'), text(report));
  writeFileSync(join(temp, 'stagegate-report', 'pull-request-number'), `${PR}\n`);
  if (baseline !== undefined) {
    mkdirSync(join(workspace, '.stagegate-baseline'));
    writeFileSync(join(workspace, '.stagegate-baseline', 'report.json'), text(baseline));
  }
  return { workspace, temp, remove: () => rmSync(root, { recursive: true, force: true }) };
}

export function replaceReport(files: PublishWorkspace, report: GateReport | string): void {
  writeFileSync(
    join(files.temp, 'stagegate-report', 'report.json'),
    typeof report === 'string' ? report : renderJson(report),
  );
}

/** One run of the publish step of stagegate-publish.yml against `github`. */
export async function runPublishStep(
  files: PublishWorkspace,
  github: FakeGitHub,
  options: {
    /** The entry to run: the sources (default) or the committed bundle, `dist/index.js`. */
    entry?: string;
    token?: string;
    headSha?: string;
    env?: Record<string, string>;
    inputs?: Record<string, string>;
  } = {},
): Promise<EntryRun> {
  const inputs = fillExpressions(actionStepInputs(PUBLISH_WORKFLOW), {
    'runner.temp': files.temp,
    'steps.pr.outputs.number': String(PR),
    'github.event.workflow_run.head_sha': options.headSha ?? HEAD_SHA,
  });
  return runEntry({
    entry: options.entry ?? 'src/action/main.ts',
    inputs: { 'github-token': options.token ?? 'ghs_actions_token', ...inputs, ...options.inputs },
    env: {
      GITHUB_REPOSITORY: 'acme/chat',
      GITHUB_EVENT_NAME: 'workflow_run',
      GITHUB_JOB: 'publish',
      GITHUB_API_URL: github.baseUrl,
      ...options.env,
    },
    event: { workflow_run: { event: 'pull_request', head_sha: options.headSha ?? HEAD_SHA } },
    cwd: files.workspace,
    timeoutMs: 60_000,
  });
}
