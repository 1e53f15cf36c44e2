import { LocalStageDriver } from '../../../src/stage/local/local-driver.ts';

const driver = new LocalStageDriver({ prometheus: false, haproxyConfigPath: process.env.CFG || undefined });
try {
  const boot = await driver.boot({ replicas: 3, narratorMaxConcurrency: 4, bootTimeoutMs: 60_000, env: { SIM_LATENCY_MS: '50', SIM_TOKENS_PER_SECOND: '0' } });
  console.log('boot', boot.ok, boot.reason, boot.durationMs);
  const ask = async (q: string, c: string) => {
    const t0 = performance.now();
    try {
      const r = await fetch(`${driver.baseUrl}/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: q, conversation_id: 'c', client_id: c, nickname: 'n' }), signal: AbortSignal.timeout(30000) });
      const text = await r.text();
      return { status: r.status, ms: Math.round(performance.now() - t0), replica: r.headers.get('x-replica-id'), t: Math.round(t0 - base) };
    } catch (e) { return { status: -1, ms: Math.round(performance.now() - t0), err: String((e as Error).cause ?? e), t: Math.round(t0 - base) }; }
  };
  const pid = driver.processes().find(p => p.name === 'api-2')!.pid!;
  const base = performance.now();
  process.kill(-pid, 'SIGSTOP');
  const all: Promise<unknown>[] = [];
  for (let i = 0; i < 40; i++) { all.push(ask(`Qual o preço atual do MXRF11?`, `c${i}`)); await new Promise(r => setTimeout(r, 200)); }
  const res = await Promise.all(all);
  process.kill(-pid, 'SIGCONT');
  for (const r of res) console.log(JSON.stringify(r));
} finally { await driver.teardown(); }
