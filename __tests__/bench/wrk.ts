/**
 * wrk (Debian's package), a C load generator, as the bench's second generator. It costs a fraction of
 * the Node generator's CPU per request, so on a 2-core machine its figures sit closer to what the stage
 * itself can do. Each run is bounded (-d, --timeout, and a kill if it overruns), targets loopback only,
 * and reports through a Lua `done()` that prints one JSON line. Its CPU is read from the shell that
 * waits for it (children's time in /proc/<shell>/stat), since wrk is gone when the run ends.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { LoadGenerator, LoadResult, LoadTarget } from './load-generator.js';
import { parseProcStat } from './process-cpu.js';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const RESULT_MARK = 'WRK_RESULT ';
const SHELL_STAT_MARK = 'SHELL_STAT ';
/** Longest a run may outlast its -d before it is killed. */
const OVERRUN_MS = 15_000;

export interface WrkOptions {
  threads: number;
}

/** wrk's version line; installs wrk through the repo's own set-up (`.ci/setup`, apt) when it is missing. */
export function ensureWrk(log: (line: string) => void = () => undefined): string {
  const found = wrkVersion();
  if (found) return found;
  log('wrk not found: installing it with .ci/setup');
  const setup = spawnSync('bash', [join(REPO_ROOT, '.ci/setup')], { stdio: 'inherit', timeout: 600_000 });
  const installed = wrkVersion();
  if (!installed)
    throw new Error(
      `wrk is not installed and .ci/setup could not install it (exit ${setup.status ?? setup.signal}); ` +
        'install the Debian package "wrk" and run the bench again',
    );
  return installed;
}

function wrkVersion(): string | undefined {
  // `wrk --version` prints its version and usage, and exits 1.
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8', timeout: 5000 });
  if (probe.error) return undefined;
  return /^wrk \S+/.exec(probe.stdout)?.[0];
}

export function wrkGenerator(options: WrkOptions): LoadGenerator {
  return {
    name: 'wrk',
    inProcess: false,
    run: (target, load) => runWrk(target, { ...load, threads: options.threads }),
  };
}

export async function runWrk(
  target: LoadTarget,
  options: { connections: number; durationMs: number; threads: number },
): Promise<LoadResult> {
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(target.origin))
    throw new Error(`the bench's wrk targets loopback only, got ${target.origin}`);
  const seconds = Math.max(1, Math.round(options.durationMs / 1000));
  const dir = await mkdtemp(join(tmpdir(), 'stagegate-wrk-'));
  try {
    const script = join(dir, 'load.lua');
    await writeFile(script, luaScript(target));
    const args = [
      `-t${Math.min(options.threads, options.connections)}`,
      `-c${options.connections}`,
      `-d${seconds}s`,
      '--timeout',
      '5s',
      '-s',
      script,
      `${target.origin}${target.path}`,
    ];
    const { stdout, stderr } = await runUnderShell(args, seconds * 1000 + OVERRUN_MS);
    return parseWrkResult(stdout, stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** wrk under `sh`, which prints its own /proc stat (children's CPU included) once wrk has been reaped. */
function runUnderShell(args: string[], killAfterMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const shell = `wrk "$@"; rc=$?; echo "${SHELL_STAT_MARK}$(cat /proc/$$/stat)"; exit $rc`;
    const child = spawn('sh', ['-c', shell, 'sh', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: a kill reaches wrk too
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const killer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, killAfterMs);
    child.once('error', (error) => {
      clearTimeout(killer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      if (code === 0) resolvePromise({ stdout, stderr });
      else
        reject(
          new Error(
            `wrk ${args.join(' ')} failed (${signal ? `killed by ${signal}` : `exit ${code}`}): ${(stderr || stdout).trim().slice(-500)}`,
          ),
        );
    });
  });
}

/**
 * The request script: every request (one per body, in turn; one for a GET) is formatted once per
 * thread in init(), so sending costs wrk the same for every load; and a JSON summary in done().
 */
function luaScript(target: LoadTarget): string {
  const bodies = target.bodies ?? [];
  const headers = target.method === 'POST' ? '["Content-Type"] = "application/json"' : '';
  return `
local bodies = { ${bodies.map(luaString).join(',\n')} }
local requests = {}
local index = 0
init = function(args)
  local headers = { ${headers} }
  if #bodies == 0 then
    requests[1] = wrk.format("${target.method}", ${luaString(target.path)}, headers, nil)
  end
  for i, body in ipairs(bodies) do
    requests[i] = wrk.format("${target.method}", ${luaString(target.path)}, headers, body)
  end
end
request = function()
  index = index % #requests + 1
  return requests[index]
end
done = function(summary, latency)
  local e = summary.errors
  io.write(string.format(
    '${RESULT_MARK}{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
`;
}

/** A Lua long string whose brackets do not occur in `text`. */
function luaString(text: string): string {
  let level = '';
  while (text.includes(`]${level}]`)) level += '=';
  return `[${level}[${text}]${level}]`;
}

interface WrkSummary {
  requests: number;
  duration_us: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  p50_us: number;
  p99_us: number;
  mean_us: number;
}

function parseWrkResult(stdout: string, stderr: string): LoadResult {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(RESULT_MARK));
  if (!line) throw new Error(`wrk printed no result: ${(stdout + stderr).trim().slice(-500)}`);
  const summary = JSON.parse(line.slice(RESULT_MARK.length)) as WrkSummary;
  const elapsedMs = summary.duration_us / 1000;
  const errorKinds = (['connect', 'read', 'write', 'status', 'timeout'] as const).filter(
    (kind) => summary[kind] > 0,
  );
  const errors = errorKinds.reduce((total, kind) => total + summary[kind], 0);
  const cpuMs = childrenCpuMs(stdout);
  return {
    requests: summary.requests,
    errors,
    ...(errors ? { firstError: errorKinds.map((kind) => `${kind} ${summary[kind]}`).join(', ') } : {}),
    elapsedMs,
    requestsPerSecond: summary.requests / (elapsedMs / 1000),
    latencyMs: { p50: summary.p50_us / 1000, p99: summary.p99_us / 1000, mean: summary.mean_us / 1000 },
    clientCpuUsPerRequest: summary.requests && cpuMs !== undefined ? (cpuMs * 1000) / summary.requests : NaN,
  };
}

/** CPU of the shell's reaped children (wrk), in ms. */
function childrenCpuMs(stdout: string): number | undefined {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(SHELL_STAT_MARK));
  if (!line) return undefined;
  const cpuMs = parseProcStat(line.slice(SHELL_STAT_MARK.length)).reapedChildrenCpuMs;
  return Number.isFinite(cpuMs) ? cpuMs : undefined;
}
