// Builds every ncc bundle into the folder given as the first argument (dist/ normally; a temp folder
// when the staleness test rebuilds to compare). One bundle per entry point.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundledPackages, renderLicenses } from './bundled-licenses.mjs';

const out = process.argv[2] ?? 'dist';
const bundles = [
  ['src/action/main.ts', ''],
  ['src/action/post.ts', 'post'],
  ['src/cli/main.ts', 'cli'],
  ['src/api/main.ts', 'api'],
  ['src/ollama-sim/main.ts', 'ollama-sim'],
];
rmSync(out, { recursive: true, force: true });
const stats = join(out, '.stats');
mkdirSync(stats, { recursive: true });
/** Every package bundled anywhere under `out`: dist/licenses.txt lists them all. */
const everyPackage = new Map();
for (const [entry, sub] of bundles) {
  if (!existsSync(entry)) {
    console.error(`package: ${entry} does not exist yet, skipped`);
    continue;
  }
  // Build into a scratch folder first: ncc empties its output folder, which would wipe sibling bundles.
  const scratch = join(out, '.build', sub || 'main');
  const statsFile = join(stats, `${sub || 'main'}.json`);
  execFileSync('npx', ['ncc', 'build', entry, '-o', scratch, '--quiet', '--stats-out', statsFile], {
    stdio: 'inherit',
  });
  execFileSync('cp', ['-R', `${scratch}/.`, join(out, sub)]);
  // ncc's own --license file misses most packages of a bundle with chunks (dist/api listed one of
  // 28), so the licenses are written from webpack's module list instead: every package a bundled
  // module or a copied asset comes from.
  const packages = bundledPackages(JSON.parse(readFileSync(statsFile, 'utf8')), join(out, sub));
  for (const pkg of packages) everyPackage.set(pkg.name, pkg);
  writeFileSync(join(out, sub, 'licenses.txt'), renderLicenses(packages));
}
// The action's own bundle sits at the root of dist/, and so does the list of all of dist/.
writeFileSync(join(out, 'licenses.txt'), renderLicenses([...everyPackage.values()]));
rmSync(join(out, '.build'), { recursive: true, force: true });
rmSync(stats, { recursive: true, force: true });

// The CLI bundle is the package's `bin`: it needs a shebang to run as `npx stagegate`.
const cli = join(out, 'cli', 'index.js');
if (existsSync(cli)) {
  const code = readFileSync(cli, 'utf8');
  if (!code.startsWith('#!')) writeFileSync(cli, `#!/usr/bin/env node\n${code}`);
  chmodSync(cli, 0o755);
}
