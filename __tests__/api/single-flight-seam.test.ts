/**
 * The cross-replica single-flight in process: several `SingleFlight`s (one per "replica") over an
 * in-memory stand-in of Redis (helpers/redis-stand-in.ts), so the protocol's hard cases — a leader that
 * dies, a late or lost completion notice, a lost lock, a follower that runs out of time, an error — are
 * played deterministically, with no redis-server and no child process. Each test asserts what the asking
 * clients see: how many heavy executions ran, who answered what, and that nobody waits forever.
 * The same code against a real Redis and real replicas: single-flight.itg.test.ts, leader-death.itg.test.ts.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from '../../src/kit/json-logger.js';
import type { PlanExecution } from '../../src/api/plan-executor.js';
import {
  SharedExecutionError,
  SingleFlight,
  type FlightOutcome,
  type SingleFlightOptions,
} from '../../src/api/single-flight.js';
import { pollUntil } from '../../src/kit/poll.js';
import { RedisStandIn } from './helpers/redis-stand-in.js';

const KEY = 'plan:v1:public:0123456789abcdef';
/** Short, so a dead leader's lock runs out within a test; renewals every third of it. */
const LOCK_TTL_MS = 300;
/** Bound on every await of a test: a hang fails the test instead of stalling the run. */
const NEVER_HANG_MS = 10_000;

/** A replica's single-flight over the shared stand-in, with its role counts and warnings recorded. */
function replica(
  redis: RedisStandIn,
  id: string,
  options: Partial<SingleFlightOptions> = {},
): SingleFlight & { roles: string[]; warnings: string[] } {
  const roles: string[] = [];
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn: (msg) => warnings.push(msg), error() {} };
  const flight = new SingleFlight({
    ...redis.replica(id),
    options: {
      replicaId: id,
      cacheEnabled: true,
      singleFlightEnabled: true,
      lockTtlMs: LOCK_TTL_MS,
      waitTimeoutMs: 8000,
      ...options,
    },
    observer: { cacheLookup: () => {}, role: (role) => roles.push(role) },
    logger,
  });
  return Object.assign(flight, { roles, warnings });
}

/**
 * The heavy executions of one plan: each one started is counted; it finishes when the test says so
 * (`finish`), or at once when `autoFinish`. Its result names the replica that ran it.
 */
class HeavyWork {
  readonly started: string[] = [];
  readonly finished: string[] = [];
  private readonly pending: Array<() => void> = [];

  constructor(
    private readonly shape: { cacheable?: boolean; error?: PlanExecution['error']; throws?: string } = {},
    private readonly autoFinish = false,
  ) {}

  /** The `execute` callback replica `by` passes to `run`. */
  by(replica: string): () => Promise<PlanExecution> {
    return async () => {
      this.started.push(replica);
      if (!this.autoFinish) await new Promise<void>((resolve) => this.pending.push(resolve));
      else await new Promise((resolve) => setTimeout(resolve, 20));
      this.finished.push(replica);
      if (this.shape.throws) throw new Error(this.shape.throws);
      return {
        answer: this.shape.error ? null : `answer computed by ${replica}`,
        ...(this.shape.error ? { error: this.shape.error, message: 'something broke' } : {}),
        narrator: { outcome: 'ok', source: 'llm' },
        narrative_overload: false,
        sql_ms: 1,
        llm_ms: 1,
        executed_by: replica,
        cacheable: this.shape.cacheable ?? true,
      };
    };
  }

  /** Let every started, unfinished execution complete. */
  finish(): void {
    for (const release of this.pending.splice(0)) release();
  }
}

/** Wait (bounded) until `condition` holds; fail the test naming `what` otherwise. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const outcome = await pollUntil(async () => condition(), {
    deadline: Date.now() + NEVER_HANG_MS,
    intervalMs: 5,
  });
  assert.equal(outcome, 'ready', `waited ${NEVER_HANG_MS} ms for ${what}`);
}

/** `promise`, or a failure after NEVER_HANG_MS: a hang is a test failure, not a stalled run. */
async function settled<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not settle within ${NEVER_HANG_MS} ms`)),
      NEVER_HANG_MS,
    );
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

const holder = (redis: RedisStandIn) => redis.lockHolder(KEY)?.split(':')[0];

/**
 * Start a leader on replica `id` and wait until it holds the lock and executes. Its flight comes back
 * wrapped (an async function returning the bare promise would wait for it to settle), and is finished
 * after the test at the latest: a leader must not outlive its test, its renewal timer would keep going.
 */
async function leadOn(
  t: TestContext,
  redis: RedisStandIn,
  flight: SingleFlight,
  work: HeavyWork,
  id: string,
): Promise<{ leading: Promise<FlightOutcome> }> {
  const leading = flight.run(KEY, work.by(id));
  t.after(async () => {
    work.finish();
    await leading.catch(() => undefined);
  });
  await until(() => holder(redis) === id && work.started.length === 1, `${id} to hold the lock and execute`);
  return { leading };
}

/** api-1 leads an execution of `work`; api-2 asks the same and waits for it (subscribed). */
async function leaderAndFollower(t: TestContext, work: HeavyWork) {
  const redis = new RedisStandIn();
  const a = replica(redis, 'api-1');
  const b = replica(redis, 'api-2');
  const { leading } = await leadOn(t, redis, a, work, 'api-1');
  const following = b.run(KEY, work.by('api-2'));
  await until(() => redis.subscribers(KEY) === 1, 'the follower to subscribe');
  return { redis, a, b, leading, following };
}

test('identical asks on three replicas: one heavy execution, everyone gets its answer', async () => {
  const redis = new RedisStandIn();
  const replicas = ['api-1', 'api-2', 'api-3'].map((id) => replica(redis, id));
  const work = new HeavyWork({}, true);
  const outcomes = await settled(
    Promise.all(
      Array.from({ length: 12 }, (_, i) => replicas[i % 3]!.run(KEY, work.by(`api-${(i % 3) + 1}`))),
    ),
    'the asks',
  );
  assert.equal(work.started.length, 1, 'one heavy execution');
  assert.equal(outcomes.filter((o) => o.role === 'leader').length, 1);
  assert.equal(outcomes.filter((o) => o.planCacheHit).length, 11);
  assert.equal(new Set(outcomes.map((o) => o.result.answer)).size, 1, 'the same answer for all');
  assert.equal(redis.lockHolder(KEY), undefined, 'the lock was released');
  assert.equal(redis.cached(KEY)?.executed_by, work.finished[0], 'the result is cached');
});

test('the leader dies mid-execution: its lock runs out, one follower takes over, every waiter gets the answer', async (t) => {
  const redis = new RedisStandIn();
  const a = replica(redis, 'api-1');
  const b = replica(redis, 'api-2');
  const c = replica(redis, 'api-3');
  const dying = new HeavyWork();
  await leadOn(t, redis, a, dying, 'api-1'); // its flight is settled after the test

  const work = new HeavyWork({}, true);
  const waiting = [b.run(KEY, work.by('api-2')), b.run(KEY, work.by('api-2')), c.run(KEY, work.by('api-3'))];
  await until(() => redis.subscribers(KEY) === 2, 'one follower per surviving replica to subscribe');
  redis.sever('api-1'); // the process is gone: no more renewals, no publish, no release

  const outcomes = await settled(Promise.all(waiting), 'the followers');
  assert.equal(work.started.length, 1, 'exactly one replacement execution');
  const leaders = outcomes.filter((o) => o.role === 'leader');
  assert.equal(leaders.length, 1);
  assert.equal(leaders[0]!.takeover, true, 'led after the dead leader’s lock expired');
  assert.equal(
    [...b.roles, ...c.roles].filter((role) => role === 'takeover').length,
    1,
    'one takeover counted',
  );
  for (const outcome of outcomes)
    assert.equal(outcome.result.answer, `answer computed by ${work.finished[0]}`);
  assert.equal(outcomes.filter((o) => o.planCacheHit).length, 2);
  assert.equal(redis.lockHolder(KEY), undefined, 'the new leader released the lock');
  assert.equal(redis.cached(KEY)?.executed_by, work.finished[0]);
});

test('a late completion notice (arriving as the follower takes the released lock) still answers it: no second execution', async (t) => {
  // Not cacheable (a degraded answer): the notice is the only way the follower can learn the result.
  const work = new HeavyWork({ cacheable: false });
  const { redis, leading, following } = await leaderAndFollower(t, work);

  redis.publishFate = 'hold';
  redis.onAcquire = (id, _key, attempt) => {
    if (id === 'api-2' && attempt.acquired) redis.deliverHeld();
  };
  work.finish();
  const led = await settled(leading, 'the leader');
  const followed = await settled(following, 'the follower');
  assert.equal(work.started.length, 1, 'the follower did not execute again');
  assert.equal(followed.role, 'follower');
  assert.equal(followed.result.answer, led.result.answer);
  assert.equal(followed.cacheLayer, 'none', 'answered by the notice, not the cache');
  assert.equal(redis.lockHolder(KEY), undefined, 'the follower gave back the lock it took');
  assert.equal(redis.cached(KEY), undefined, 'nothing cached');
});

test('a lost completion notice of a cacheable result: the follower finds it in the cache when the lock runs out', async (t) => {
  const work = new HeavyWork();
  const { redis, leading, following } = await leaderAndFollower(t, work);

  redis.publishFate = 'drop';
  work.finish();
  const [led, followed] = await settled(Promise.all([leading, following]), 'both asks');
  assert.equal(work.started.length, 1, 'one execution');
  assert.equal(followed.role, 'follower');
  assert.equal(followed.planCacheHit, true);
  assert.equal(followed.cacheLayer, 'redis', 'answered by the cache re-check');
  assert.equal(followed.result.answer, led.result.answer);
});

test('a lost completion notice of an uncacheable result: the follower runs it itself rather than wait forever', async (t) => {
  const work = new HeavyWork({ cacheable: false });
  const { redis, leading, following } = await leaderAndFollower(t, work);

  redis.publishFate = 'drop';
  work.finish();
  await settled(leading, 'the leader');
  await until(() => work.started.length === 2, 'the follower to execute');
  work.finish();
  const followed = await settled(following, 'the follower');
  // Today's behaviour: nothing tells the follower the result, so after the lock runs out it leads.
  assert.equal(followed.role, 'leader');
  assert.equal(followed.takeover, true);
  assert.equal(followed.result.answer, 'answer computed by api-2');
  assert.deepEqual(work.started, ['api-1', 'api-2'], 'two executions, never more');
  assert.equal(redis.lockHolder(KEY), undefined);
});

test('the leader loses its lock (renewals fail): one follower takes over, the old leader cannot free its successor’s lock', async (t) => {
  const redis = new RedisStandIn();
  const a = replica(redis, 'api-1');
  const b = replica(redis, 'api-2');
  const c = replica(redis, 'api-3');
  const work = new HeavyWork();
  const { leading: first } = await leadOn(t, redis, a, work, 'api-1');
  const following = b.run(KEY, work.by('api-2'));
  await until(() => redis.subscribers(KEY) === 1, 'the follower to subscribe');

  redis.refuse('api-1', 'extend'); // its renewals fail: the lock runs out while it still executes
  await until(() => holder(redis) === 'api-2' && work.started.length === 2, 'api-2 to take over');
  redis.refuse('api-1'); // Redis answers it again: its next renewal finds the lock is not its own
  await until(
    () => a.warnings.includes('single-flight lock lost while executing'),
    'the old leader to notice',
  );

  // A third replica asking now follows the successor instead of executing a third time (the successor
  // closed its own subscription when it took the lock).
  const third = c.run(KEY, work.by('api-3'));
  await until(() => redis.subscribers(KEY) === 1, 'api-3 to follow');

  work.finish(); // both executions end; the old leader stores, announces, then releases — by token
  const [oldLeader, successor, late] = await settled(Promise.all([first, following, third]), 'every ask');
  assert.deepEqual(
    work.started,
    ['api-1', 'api-2'],
    'the lost lock cost one more execution, never a stampede',
  );
  assert.equal(oldLeader.role, 'leader');
  assert.equal(oldLeader.takeover, false);
  assert.equal(successor.role, 'leader');
  assert.equal(successor.takeover, true);
  assert.equal(late.role, 'follower');
  assert.ok(late.result.answer?.startsWith('answer computed by api-'), `answered: ${late.result.answer}`);
  assert.equal(redis.lockHolder(KEY), undefined, 'the successor released its own lock');
});

test('the old leader’s release never deletes the lock a successor holds', async (t) => {
  const redis = new RedisStandIn();
  const a = replica(redis, 'api-1');
  const work = new HeavyWork();
  const { leading } = await leadOn(t, redis, a, work, 'api-1');
  redis.refuse('api-1', 'extend');
  await until(() => redis.lockHolder(KEY) === undefined, 'the lock to run out');
  const successor = redis.replica('api-2');
  assert.deepEqual(await successor.locks.acquire(KEY, 'api-2:token', 60_000), { acquired: true });
  work.finish();
  const led = await settled(leading, 'the old leader');
  assert.equal(led.role, 'leader', 'its own client still gets its answer');
  assert.equal(redis.lockHolder(KEY), 'api-2:token', 'the successor still holds its lock');
});

test('a follower whose wait runs out answers single_flight_timeout instead of executing; the leader finishes', async (t) => {
  const redis = new RedisStandIn();
  const a = replica(redis, 'api-1');
  const b = replica(redis, 'api-2', { waitTimeoutMs: 400 });
  const work = new HeavyWork();
  const { leading } = await leadOn(t, redis, a, work, 'api-1');

  const [timedOut, sharer] = await settled(
    Promise.all([b.run(KEY, work.by('api-2')), b.run(KEY, work.by('api-2'))]),
    'the followers',
  );
  assert.equal(work.finished.length, 0, 'they gave up while the leader still ran');
  for (const outcome of [timedOut, sharer]) {
    assert.equal(outcome.role, 'follower');
    assert.equal(outcome.result.error, 'single_flight_timeout');
    assert.equal(outcome.result.answer, null);
    assert.equal(outcome.planCacheHit, false, 'no answer was reused');
  }
  assert.match(timedOut.result.message ?? '', /400 ms/);
  assert.equal(holder(redis), 'api-1', 'the leader kept renewing its lock');

  work.finish();
  const led = await settled(leading, 'the leader');
  assert.equal(led.role, 'leader');
  assert.deepEqual(work.started, ['api-1'], 'the timed-out followers never executed');
  const later = await settled(b.run(KEY, work.by('api-2')), 'a later ask');
  assert.equal(later.role, 'cache');
  assert.equal(later.result.answer, led.result.answer);
});

test('a lock without expiry (set by hand) is waited on until the wait timeout, never taken', async () => {
  const redis = new RedisStandIn();
  redis.setLockWithoutExpiry(KEY, 'someone:by-hand');
  const b = replica(redis, 'api-2', { waitTimeoutMs: 300 });
  const work = new HeavyWork({}, true);
  const outcome = await settled(b.run(KEY, work.by('api-2')), 'the ask');
  assert.equal(outcome.result.error, 'single_flight_timeout');
  assert.equal(work.started.length, 0);
  assert.equal(redis.lockHolder(KEY), 'someone:by-hand');
});

test('an execution that throws: followers share the error, nothing is cached, the next ask computes again', async (t) => {
  const redis = new RedisStandIn();
  const a = replica(redis, 'api-1');
  const b = replica(redis, 'api-2');
  const c = replica(redis, 'api-3');
  const failing = new HeavyWork({ throws: 'database on fire' });
  const { leading } = await leadOn(t, redis, a, failing, 'api-1');
  const followers = [
    b.run(KEY, failing.by('api-2')),
    b.run(KEY, failing.by('api-2')),
    c.run(KEY, failing.by('api-3')),
  ];
  await until(() => redis.subscribers(KEY) === 2, 'the followers to subscribe');

  failing.finish();
  const [leaderError, ...followerErrors] = await settled(
    Promise.all(
      [leading, ...followers].map((flight) =>
        flight.then(
          () => undefined,
          (error: Error) => error,
        ),
      ),
    ),
    'every ask',
  );
  assert.ok(
    leaderError && !(leaderError instanceof SharedExecutionError),
    `the leader's own error: ${leaderError}`,
  );
  assert.equal(leaderError.message, 'database on fire');
  for (const error of followerErrors) {
    assert.ok(error instanceof SharedExecutionError, `a follower's shared error: ${error}`);
    assert.equal(error.message, 'database on fire');
  }
  assert.equal(failing.started.length, 1, 'one execution failed for all');
  assert.equal(redis.cached(KEY), undefined, 'the error is not cached');
  assert.equal(redis.lockHolder(KEY), undefined, 'the lock was released');

  const work = new HeavyWork({}, true);
  const next = await settled(c.run(KEY, work.by('api-3')), 'the next ask');
  assert.equal(next.role, 'leader', 'recomputed');
  assert.equal(next.result.answer, 'answer computed by api-3');
  assert.equal(work.started.length, 1);
});

test('a failed result (as the executor returns it) is shared with the waiters, not cached, and recomputed next time', async (t) => {
  const failing = new HeavyWork({ error: 'internal_error', cacheable: false });
  const { redis, b, leading, following } = await leaderAndFollower(t, failing);

  failing.finish();
  const [led, followed] = await settled(Promise.all([leading, following]), 'both asks');
  assert.equal(led.result.error, 'internal_error');
  assert.equal(followed.result.error, 'internal_error', 'the follower shares the failure');
  assert.equal(followed.role, 'follower');
  assert.equal(failing.started.length, 1);
  assert.equal(redis.cached(KEY), undefined);

  const work = new HeavyWork({}, true);
  const next = await settled(b.run(KEY, work.by('api-2')), 'the next ask');
  assert.equal(next.role, 'leader');
  assert.equal(next.result.error, undefined);
  assert.equal(redis.cached(KEY)?.executed_by, 'api-2', 'a good result is cached');
});

test('Redis down: answers are computed uncached, concurrent asks on one replica still share one execution', async () => {
  const redis = new RedisStandIn();
  redis.down = true;
  const a = replica(redis, 'api-1');
  const work = new HeavyWork({}, true);
  const outcomes = await settled(
    Promise.all([a.run(KEY, work.by('api-1')), a.run(KEY, work.by('api-1'))]),
    'the asks',
  );
  assert.equal(work.started.length, 1);
  assert.deepEqual(
    outcomes.map((o) => [o.role, o.cacheAvailable]),
    [
      ['uncached', false],
      ['follower', false],
    ],
  );
  assert.equal(a.fromMemory(KEY), undefined, 'no memory answer while Redis is down');
  assert.deepEqual(redis.calls, [], 'nothing reached Redis');
});
