import { LocalStageDriver } from '../../../src/stage/local/local-driver.ts';
import { Redis } from 'ioredis';

const driver = new LocalStageDriver({ prometheus: false });
try {
  const boot = await driver.boot({ replicas: 3, narratorMaxConcurrency: 4, bootTimeoutMs: 60_000, env: {
    SIM_LATENCY_MS: '3000', SIM_TOKENS_PER_SECOND: '0', OLLAMA_NUM_PARALLEL: '8', SINGLE_FLIGHT_LOCK_TTL_MS: '2000', SINGLE_FLIGHT_WAIT_TIMEOUT_MS: '20000', NARRATOR_MAX_CONCURRENCY: '8' } });
  console.log('boot', boot.ok, boot.reason, boot.durationMs);
  const redis = new Redis(driver.redis.url);
  const ask = async (q: string, c: string) => {
    const t0 = performance.now();
    try {
      const r = await fetch(`${driver.baseUrl}/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: q, conversation_id: 'c', client_id: c, nickname: 'n' }), signal: AbortSignal.timeout(30000) });
      const text = await r.text();
      return { status: r.status, ms: Math.round(performance.now() - t0), replica: r.headers.get('x-replica-id'), text: text.slice(0, 300) };
    } catch (e) { return { status: -1, ms: Math.round(performance.now() - t0), err: String((e as Error).cause ?? e) }; }
  };
  const q = 'Qual foi o último dividendo do VISC11?';
  const leaderP = ask(q, 'leader');
  let holder = '';
  for (let i = 0; i < 100 && !holder; i++) {
    const keys = await redis.keys('stagegate:lock:*');
    for (const k of keys) holder = (await redis.get(k)) ?? '';
    await new Promise(r => setTimeout(r, 20));
  }
  console.log('holder', holder);
  const followers = Array.from({ length: 9 }, (_, i) => ask(q, `f${i}`));
  await new Promise(r => setTimeout(r, 400));
  const idx = Number(holder.split(':')[0].split('-')[1]);
  const t0 = performance.now();
  await driver.killReplica(idx);
  const res = await Promise.all(followers);
  console.log('killed', idx, 'elapsed', Math.round(performance.now() - t0));
  for (const r of res) console.log(JSON.stringify(r).slice(0, 250));
  console.log('leader', JSON.stringify(await leaderP).slice(0, 250));
  redis.disconnect();
} finally { await driver.teardown(); }
