/**
 * `npm run stage:local -- --replicas 3 --narrator-max-concurrency 1`: boots the local stage, prints
 * its services and URLs, waits for Ctrl-C, then tears everything down.
 */
import { installExitHooks } from '../exit-hooks.js';
import { LocalStageDriver } from './local-driver.js';
import { formatServices, parseStageArgs, USAGE, UsageError, type StageArgs } from './stage-cli.js';
import { formatSeconds } from '../../kit/duration.js';

async function main(): Promise<number> {
  let args: StageArgs | 'help';
  try {
    args = parseStageArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`stage:local: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (args === 'help') {
    console.log(USAGE);
    return 0;
  }

  // If this process dies before its teardown, whatever the stage started dies with it.
  installExitHooks();
  const driver = new LocalStageDriver(args.options);
  const interrupted = new AbortController();
  let stopRequested: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
  // This entry stops the stage itself on Ctrl-C, gracefully (SIGTERM, logs copied), instead of the
  // exit hooks' emergency kill (SIGKILL at once), which stands aside for it. A second Ctrl-C exits now;
  // the 'exit' hook then kills whatever is left.
  const onSignal = () => {
    if (interrupted.signal.aborted) {
      console.log('\nstage:local: stopping now.');
      process.exit(130);
    }
    console.log('\nstage:local: stopping… (Ctrl-C again to force)');
    interrupted.abort();
    stopRequested();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

  console.log(
    `stage:local: booting ${args.replicas} api replicas (narrator max concurrency ${args.narratorMaxConcurrency})…`,
  );
  const result = await driver.boot(
    {
      replicas: args.replicas,
      narratorMaxConcurrency: args.narratorMaxConcurrency,
      bootTimeoutMs: args.bootTimeoutMs,
      env: args.env,
    },
    interrupted.signal,
  );
  const teardown = async () => {
    await driver.teardown(args.logDir ? { logDir: args.logDir } : {});
    if (args.logDir) console.log(`stage:local: logs copied to ${args.logDir}`);
    console.log('stage:local: everything stopped, work dir removed.');
  };
  if (!result.ok) {
    console.error(`stage:local: boot failed after ${result.durationMs} ms: ${result.reason}`);
    if (result.services.length) console.error(`\n${formatServices(result.services)}`);
    await teardown();
    return 1;
  }

  const urls = driver.urls;
  console.log(`stage:local: up in ${formatSeconds(Math.round(result.durationMs))}\n`);
  console.log(formatServices(result.services));
  const lines: Array<[string, string]> = [
    ['gateway', `${urls.gateway}   (try: curl -i ${urls.gateway}/healthz)`],
    ...driver.replicaNames().map((name, offset): [string, string] => [name, driver.replicaUrl(offset + 1)]),
    ...(urls.prometheus ? [['prometheus', urls.prometheus] as [string, string]] : []),
    ['haproxy stats', urls.haproxyStats],
    ['haproxy metrics', urls.haproxyExporter],
    ['ollama', urls.ollama],
    ['work dir', `${driver.workDir}   (logs: *.log)`],
  ];
  console.log('\nURLs:');
  for (const [label, value] of lines) console.log(`  ${label.padEnd(16)} ${value}`);
  console.log('\nGrafana and Tempo are not available on the local stage (compose only).');
  console.log('Press Ctrl-C to stop.');
  await stopped;
  await teardown();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`stage:local: ${(error as Error).message}`);
    process.exit(1);
  },
);
