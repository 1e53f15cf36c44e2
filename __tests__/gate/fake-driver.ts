/** A StageDriver that records what the runner asked of it, for the runner's own tests. */
import type {
  BootResult,
  MetricsReader,
  ServiceStatus,
  StageDriver,
  StageSpec,
} from '../../src/stage/driver.js';

export class FakeDriver implements StageDriver {
  readonly kind = 'external' as const;
  baseUrl = 'http://127.0.0.1:9';
  readonly calls: string[] = [];
  bootSpec: StageSpec | undefined;

  constructor(
    private readonly options: {
      boot?: BootResult | (() => Promise<BootResult>);
      teardownMs?: number;
      services?: ServiceStatus[];
      /** What logs() answers (default: no logs, as an external stage). */
      logs?: (service: string, maxLines: number) => Promise<string[] | undefined>;
    } = {},
  ) {}

  async boot(spec: StageSpec): Promise<BootResult> {
    this.calls.push('boot');
    this.bootSpec = spec;
    const boot = this.options.boot ?? { ok: true, services: this.options.services ?? [], durationMs: 1 };
    return typeof boot === 'function' ? boot() : boot;
  }

  async services(): Promise<ServiceStatus[]> {
    return (
      this.options.services ?? [
        { service: 'gateway', name: 'gateway', state: 'reachable', health: 'healthy' },
      ]
    );
  }

  async logs(service: string, maxLines: number): Promise<string[] | undefined> {
    return this.options.logs?.(service, maxLines);
  }

  metrics(): MetricsReader | undefined {
    return undefined;
  }

  async teardown(options?: { logDir?: string; timeoutMs?: number }): Promise<void> {
    this.calls.push(`teardown(${options?.timeoutMs})`);
    if (this.options.teardownMs)
      await new Promise((resolve) => setTimeout(resolve, this.options.teardownMs).unref());
    this.calls.push('teardown done');
  }
}
