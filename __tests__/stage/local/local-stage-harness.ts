/**
 * The local stage for tests that break it on purpose: the production driver plus controls to kill and
 * restart a replica, stop and start Redis, and list every process and port the stage used (to prove a
 * teardown left nothing behind). Constructing one installs the process exit hooks, as an entry point
 * does: a test run that dies mid-way still kills the stage. Replica indexes are 1-based.
 */
import { installExitHooks } from '../../../src/stage/exit-hooks.js';
import { LocalStageDriver, type LocalStageOptions } from '../../../src/stage/local/local-driver.js';
import { replicaAt, type Replica } from '../../../src/stage/local/local-stage.js';
import { restartReplica } from '../../../src/stage/local/steps/replicas.js';
import { startRedis } from '../../../src/stage/local/steps/redis.js';

export type { LocalStageOptions };

/** What a leak check needs of a stage: every process it started and every port it reserved. */
export interface LocalStageControl {
  /** Every process this stage has started (also stopped ones), for leak checks. */
  processes(): Array<{ name: string; pid: number | undefined; running: boolean }>;
  /** Every port this stage reserved. */
  usedPorts(): number[];
}

export class LocalStageHarness extends LocalStageDriver implements LocalStageControl {
  constructor(options: LocalStageOptions = {}) {
    super(options);
    installExitHooks();
  }

  /** Kill one replica (SIGKILL by default, like a crash) and wait until it is gone. */
  async killReplica(index: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const replica = this.replica(index);
    replica.process.signal(signal);
    if (!(await replica.process.waitForExit(5000)))
      throw new Error(`${replica.name} still running 5 s after ${signal}`);
  }

  /** Start a replica again on its port (after killReplica), and wait until its /healthz answers. */
  async restartReplica(index: number, timeoutMs = 30_000): Promise<void> {
    this.replica(index);
    await restartReplica(this.booted(), index, timeoutMs);
  }

  /** The stage's Redis: stop it, and start it again on the same port. */
  get redis(): {
    readonly url: string;
    readonly port: number;
    stop(): Promise<void>;
    start(timeoutMs?: number): Promise<void>;
  } {
    const stage = this.booted();
    const port = stage.ports.redis;
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      stop: async () => {
        await stage.redis?.stop();
      },
      start: async (timeoutMs = 10_000) => {
        if (stage.redis?.process.running) return;
        await startRedis(stage, timeoutMs);
      },
    };
  }

  processes(): Array<{ name: string; pid: number | undefined; running: boolean }> {
    return (this.stage?.started ?? []).map((managed) => ({
      name: managed.name,
      pid: managed.pid,
      running: managed.running,
    }));
  }

  usedPorts(): number[] {
    return this.stage?.allPorts() ?? [];
  }

  private replica(index: number): Replica {
    return replicaAt(this.stage?.replicas ?? [], index);
  }

  private booted() {
    if (!this.stage) throw new Error('the local stage is not booted');
    return this.stage;
  }
}
