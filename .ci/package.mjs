// Builds every ncc bundle into the folder given as the first argument (dist/ normally; a temp folder
// when the staleness test rebuilds to compare). One bundle per entry point.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2] ?? 'dist';
const bundles = [
  ['src/action/main.ts', ''],
  ['src/action/post.ts', 'post'],
  ['src/cli/main.ts', 'cli'],
  ['src/api/main.ts', 'api'],
  ['src/ollama-sim/main.ts', 'ollama-sim'],
];
rmSync(out, { recursive: true, force: true });
for (const [entry, sub] of bundles) {
  if (!existsSync(entry)) {
    console.error(`package: ${entry} does not exist yet, skipped`);
    continue;
  }
  // Build into a scratch folder first: ncc empties its output folder, which would wipe sibling bundles.
  const scratch = join(out, '.build', sub || 'main');
  execFileSync('npx', ['ncc', 'build', entry, '-o', scratch, '--quiet', '--license', 'licenses.txt'], {
    stdio: 'inherit',
  });
  execFileSync('cp', ['-R', `${scratch}/.`, join(out, sub)]);
}
rmSync(join(out, '.build'), { recursive: true, force: true });

// The CLI bundle is the package's `bin`: it needs a shebang to run as `npx stagegate`.
const cli = join(out, 'cli', 'index.js');
if (existsSync(cli)) {
  const code = readFileSync(cli, 'utf8');
  if (!code.startsWith('#!')) writeFileSync(cli, `#!/usr/bin/env node\n${code}`);
  chmodSync(cli, 0o755);
}
