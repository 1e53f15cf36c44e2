/**
 * The release workflow's tag logic (.ci/release-check), dry-run on a throw-away local git repository
 * with a bare one as its `origin`: a tag whose dist/ is stale is refused and v1 stays where it is; a
 * good one is accepted and v1 moves to it, on the remote too. Nothing reaches GitHub: the release itself
 * (`gh release create`) is a step of .github/workflows/release.yml, not of this script.
 *
 * The throw-away project has the same shape as this one: package.json's version, CHANGELOG.md, and a
 * `package` script that builds dist/ from src/ (a copy, instead of ncc, to keep the test fast).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './action/run-entry.js';

const SCRIPT = join(REPO_ROOT, '.ci', 'release-check');

function run(cwd: string, command: string, args: string[]) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'release test',
      GIT_AUTHOR_EMAIL: 'release@test.invalid',
      GIT_COMMITTER_NAME: 'release test',
      GIT_COMMITTER_EMAIL: 'release@test.invalid',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
    },
  });
  return { code: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

const git = (cwd: string, ...args: string[]) => {
  const result = run(cwd, 'git', args);
  assert.equal(result.code, 0, `git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
};
const releaseCheck = (cwd: string, ...args: string[]) => run(cwd, 'bash', [SCRIPT, ...args]);

/** A project whose dist/ is what `npm run package` builds from src/. */
function writeProject(dir: string, version: string, message: string, changelog: string) {
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      { name: 'throwaway', version, private: true, scripts: { package: 'node build.mjs' } },
      null,
      2,
    ),
  );
  writeFileSync(
    join(dir, 'build.mjs'),
    "import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';\n" +
      "mkdirSync('dist', { recursive: true });\n" +
      "writeFileSync('dist/index.js', `// built\\n${readFileSync('src/index.js', 'utf8')}`);\n",
  );
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'src', 'index.js'), `console.log(${JSON.stringify(message)});\n`);
  writeFileSync(join(dir, 'CHANGELOG.md'), changelog);
}

// What `npm run package` runs there; called directly, which is quicker than through npm.
const build = (dir: string) => assert.equal(run(dir, process.execPath, ['build.mjs']).code, 0);

test(
  'dry run on a throw-away repository: a stale dist/ is refused, a good tag moves v1',
  { timeout: 180_000 },
  (t) => {
    const root = mkdtempSync(join(tmpdir(), 'stagegate-release-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const origin = join(root, 'origin.git');
    const repo = join(root, 'repo');
    git(root, 'init', '--quiet', '--bare', origin);
    git(root, 'init', '--quiet', '--initial-branch=main', repo);
    git(repo, 'remote', 'add', 'origin', origin);
    const changelog = (sections: string) => `# Changelog\n\n${sections}`;
    const section100 = '## [1.0.0] - 2026-12-01\n\n### Added\n- The first release.\n\n';

    // v1.0.0: dist/ built from the sources. Accepted; v1 created, locally and on origin.
    writeProject(repo, '1.0.0', 'hello', changelog(section100));
    build(repo);
    git(repo, 'add', '-A');
    git(repo, 'commit', '--quiet', '-m', 'v1.0.0');
    git(repo, 'tag', 'v1.0.0');
    const good = releaseCheck(repo, 'check', 'v1.0.0');
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /v1\.0\.0 is releasable/);
    const moved = releaseCheck(repo, 'move-major', 'v1.0.0', '--push', 'origin');
    assert.equal(moved.code, 0, moved.stderr);
    const first = git(repo, 'rev-parse', 'v1.0.0^{commit}');
    assert.equal(git(repo, 'rev-parse', 'v1^{commit}'), first);
    assert.equal(git(origin, 'rev-parse', 'v1^{commit}'), first);

    // v1.0.1: the source changed, dist/ not rebuilt. Refused, naming dist/; the checkout is left clean
    // and v1 stays on v1.0.0.
    const section101 = '## [1.0.1] - 2026-12-02\n\n### Fixed\n- A new greeting.\n\n';
    writeProject(repo, '1.0.1', 'hello again', changelog(section101 + section100));
    git(repo, 'add', 'package.json', 'src', 'CHANGELOG.md');
    git(repo, 'commit', '--quiet', '-m', 'v1.0.1 without dist/');
    git(repo, 'tag', 'v1.0.1');
    const stale = releaseCheck(repo, 'check', 'v1.0.1');
    assert.equal(stale.code, 1, stale.stdout);
    assert.match(stale.stderr, /REFUSED: dist\/ is stale at v1\.0\.1/);
    assert.match(stale.stderr, /dist\/index\.js/);
    assert.equal(git(repo, 'status', '--porcelain'), '');
    assert.equal(git(origin, 'rev-parse', 'v1^{commit}'), first, 'v1 did not move');

    // v1.0.2: dist/ rebuilt. Accepted; v1 moves to it, on origin too; its notes are its section only.
    const section102 = '## [1.0.2] - 2026-12-02\n\n### Fixed\n- dist/ rebuilt.\n\n';
    writeProject(repo, '1.0.2', 'hello again', changelog(section102 + section101 + section100));
    build(repo);
    git(repo, 'add', '-A');
    git(repo, 'commit', '--quiet', '-m', 'v1.0.2');
    git(repo, 'tag', 'v1.0.2');
    const fixed = releaseCheck(repo, 'check', 'v1.0.2');
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.equal(releaseCheck(repo, 'move-major', 'v1.0.2', '--push', 'origin').code, 0);
    const third = git(repo, 'rev-parse', 'v1.0.2^{commit}');
    assert.equal(git(origin, 'rev-parse', 'v1^{commit}'), third);
    assert.equal(releaseCheck(repo, 'notes', 'v1.0.2').stdout, '### Fixed\n- dist/ rebuilt.\n');

    // v1 never goes back to an older release.
    const back = releaseCheck(repo, 'move-major', 'v1.0.0', '--push', 'origin');
    assert.equal(back.code, 1);
    assert.match(back.stderr, /v1\.0\.2 is newer than v1\.0\.0: v1 stays where it is/);
    assert.equal(git(origin, 'rev-parse', 'v1^{commit}'), third);

    // Other refusals: not a semantic version, not the commit checked out, a version or notes missing.
    assert.match(releaseCheck(repo, 'check', 'v1.0').stderr, /'v1\.0' is not a semantic version tag/);
    assert.match(releaseCheck(repo, 'check', 'v1.0.0').stderr, /v1\.0\.0 is not the commit checked out/);
    git(repo, 'tag', 'v1.0.3');
    assert.match(
      releaseCheck(repo, 'check', 'v1.0.3').stderr,
      /v1\.0\.3 does not match package\.json's version \(1\.0\.2\)/,
    );
    assert.match(
      releaseCheck(repo, 'notes', 'v1.0.3').stderr,
      /CHANGELOG\.md has no section '## \[1\.0\.3\]'/,
    );
  },
);
