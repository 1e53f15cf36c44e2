/**
 * `npm run bench`: runs the whole bench on the local stage, prints the table, and writes
 * results/latest.json and results/latest.md next to this file.
 *
 *   npm run bench                 # full: a few minutes
 *   npm run bench -- --smoke      # tiny variant (what CI runs through bench-smoke.test.ts)
 *   npm run bench -- --scale-out  # only the 10-replica section: results/scale-out.json and .md
 *   npm run bench -- --capacity   # only chat-capacity by narrator limit: results/capacity.json and .md
 *   npm run bench -- --out DIR    # write elsewhere;  --no-write: print only
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installExitHooks } from '../../src/stage/exit-hooks.js';
import { renderMarkdown } from './render.js';
import { PROFILES, runBench, type BenchProfile } from './run-bench.js';

interface BenchArgs {
  profile: BenchProfile;
  outDir: string | undefined;
}

const USAGE = 'usage: npm run bench [-- --smoke | --scale-out | --capacity] [--out DIR | --no-write]';

function parseBenchArgs(argv: string[], defaultOut: string): BenchArgs {
  let profile = PROFILES.full;
  let outDir: string | undefined = defaultOut;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg === '--smoke') profile = PROFILES.smoke;
    else if (arg === '--scale-out') profile = PROFILES['scale-out'];
    else if (arg === '--capacity') profile = PROFILES.capacity;
    else if (arg === '--no-write') outDir = undefined;
    else if (arg === '--out') {
      const value = argv[++index];
      if (!value || value.startsWith('--')) throw new Error(`--out needs a directory. ${USAGE}`);
      outDir = resolve(value);
    } else if (arg === '--help' || arg === '-h') throw new Error(USAGE);
    else throw new Error(`unknown option '${arg}'. ${USAGE}`);
  }
  return { profile, outDir };
}

async function main(): Promise<number> {
  const here = dirname(fileURLToPath(import.meta.url));
  let args: BenchArgs;
  try {
    args = parseBenchArgs(process.argv.slice(2), join(here, 'results'));
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 2;
  }
  const started = Date.now();
  const log = (line: string) =>
    process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}\n`);
  log(`bench (${args.profile.name}) on the local stage`);
  const results = await runBench(args.profile, { log });
  const markdown = renderMarkdown(results);
  process.stdout.write(`\n${markdown}`);
  if (args.outDir) {
    await mkdir(args.outDir, { recursive: true });
    // A one-section run has its own files: it does not replace the whole bench's last table.
    const name = args.profile.name === 'full' || args.profile.name === 'smoke' ? 'latest' : args.profile.name;
    await writeFile(join(args.outDir, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(join(args.outDir, `${name}.md`), markdown);
    log(`wrote ${join(args.outDir, `${name}.json`)} and ${name}.md`);
  }
  return 0;
}

// An interrupted bench leaves no stage behind.
installExitHooks();
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error)?.message ?? String(error)}\n`);
    process.exit(1);
  },
);
