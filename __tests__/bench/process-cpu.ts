/**
 * CPU time per process, from Linux's /proc, so each load can say where the machine's CPU went: the
 * generator (this process), the gateway, the api replicas, Redis — and everything else on the machine
 * (other tenants of a shared runner). Clock ticks are 10 ms; loads last long enough for that to matter little.
 */
import { readdir, readFile } from 'node:fs/promises';

const TICK_MS = 10;

export interface CpuSplit {
  /** Milliseconds of CPU by group (e.g. `generator`, `gateway`, `api`, `redis`) over the interval. */
  byGroup: Record<string, number>;
  /** Milliseconds of CPU the whole machine spent busy (all processes), from /proc/stat. */
  machineBusyMs: number;
  /** Wall milliseconds of the interval. */
  wallMs: number;
}

/**
 * user + system CPU in ms of every live process, by process group. The stage starts each service in
 * its own group, so a group is a service with whatever it forked (HAProxy's master and its worker).
 */
async function cpuByProcessGroup(): Promise<Map<number, number>> {
  const groups = new Map<number, number>();
  const pids = (await readdir('/proc').catch(() => [])).filter((name) => /^\d+$/.test(name));
  await Promise.all(
    pids.map(async (pid) => {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
      if (!stat) return;
      const { processGroup, cpuMs } = parseProcStat(stat);
      groups.set(processGroup, (groups.get(processGroup) ?? 0) + cpuMs);
    }),
  );
  return groups;
}

export interface ProcStatTimes {
  processGroup: number;
  /** user + system CPU of the process itself, in ms. */
  cpuMs: number;
  /** user + system CPU of its children that it has waited for, in ms. */
  reapedChildrenCpuMs: number;
}

/** The fields of one `/proc/<pid>/stat` line this bench uses. */
export function parseProcStat(stat: string): ProcStatTimes {
  // Fields after the command name (which may contain spaces, hence the last ')'), from `state` on.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = (...indexes: number[]) =>
    indexes.reduce((total, i) => total + Number(fields[i]), 0) * TICK_MS;
  return { processGroup: Number(fields[2]), cpuMs: ticks(11, 12), reapedChildrenCpuMs: ticks(13, 14) };
}

async function machineBusyMs(): Promise<number | undefined> {
  const stat = await readFile('/proc/stat', 'utf8').catch(() => undefined);
  const line = stat?.split('\n')[0];
  if (!line?.startsWith('cpu ')) return undefined;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * TICK_MS;
}

interface Reading {
  groups: Record<string, number>;
  self: number;
  machine: number | undefined;
  at: number;
}

/**
 * Measures, between start() and stop(), the CPU of named sets of process groups (name → the pids that
 * lead them) and of this process. A process that exits in between loses its share: measure steady loads.
 */
export class CpuMeter {
  private first: Reading | undefined;

  constructor(private readonly groups: () => Record<string, number[]>) {}

  private async read(): Promise<Reading> {
    const groups: Record<string, number> = {};
    const byProcessGroup = await cpuByProcessGroup();
    for (const [name, leaders] of Object.entries(this.groups()))
      groups[name] = leaders.reduce((total, leader) => total + (byProcessGroup.get(leader) ?? 0), 0);
    const self = process.cpuUsage();
    return {
      groups,
      self: (self.user + self.system) / 1000,
      machine: await machineBusyMs(),
      at: performance.now(),
    };
  }

  async start(): Promise<void> {
    this.first = await this.read();
  }

  async stop(): Promise<CpuSplit> {
    if (!this.first) throw new Error('CpuMeter.stop() before start()');
    const last = await this.read();
    const byGroup: Record<string, number> = { generator: last.self - this.first.self };
    for (const [name, value] of Object.entries(last.groups))
      byGroup[name] = value - (this.first.groups[name] ?? 0);
    return {
      byGroup,
      machineBusyMs:
        last.machine === undefined || this.first.machine === undefined
          ? NaN
          : last.machine - this.first.machine,
      wallMs: last.at - this.first.at,
    };
  }
}
