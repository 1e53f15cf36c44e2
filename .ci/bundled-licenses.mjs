// What went into an ncc bundle, read from webpack's stats (ncc --stats-out), and the licenses.txt that
// lists it: the format of ncc's own --license file (name, license, license text, a blank line; sorted
// by name), which __tests__/dist-licenses.test.ts reads back and checks against node_modules.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';

const NODE_MODULES = `${sep}node_modules${sep}`;

/** The package folder a bundled file lives in: up to the last node_modules/<name> (or <@scope/name>). */
function packageRootOf(file) {
  const at = file.lastIndexOf(NODE_MODULES);
  if (at < 0) return undefined;
  const rest = file.slice(at + NODE_MODULES.length).split(sep);
  const depth = rest[0].startsWith('@') ? 2 : 1;
  return file.slice(0, at + NODE_MODULES.length) + rest.slice(0, depth).join(sep);
}

/** A webpack module identifier's file: after the loaders (`a!b!file`) and before the `|hash` suffix. */
const fileOfIdentifier = (identifier) => identifier.split('!').pop().split('|')[0];

function moduleFiles(modules, files = []) {
  for (const module of modules ?? []) {
    if (module.identifier) files.push(fileOfIdentifier(module.identifier));
    moduleFiles(module.modules, files);
  }
  return files;
}

/** Every file under node_modules (following the symlink a worktree may have) whose name is in `names`. */
function filesNamed(root, names, found = []) {
  for (const entry of readdirSync(root)) {
    const path = join(root, entry);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) filesNamed(path, names, found);
    else if (stat?.isFile() && names.has(entry)) found.push(path);
  }
  return found;
}

/** An SPDX expression from package.json's `license` (or the old `licenses` array). */
function licenseOf(manifest) {
  if (typeof manifest.license === 'string') return manifest.license;
  if (manifest.license?.type) return manifest.license.type;
  if (Array.isArray(manifest.licenses)) return manifest.licenses.map((l) => l.type ?? l).join(' OR ');
  return undefined;
}

/** The package's license file, as ncc's plugin finds it (LICENSE, LICENCE, LICENSE.md, ...). */
function licenseTextOf(root) {
  const file = readdirSync(root)
    .filter((name) => /^licen[cs]e/i.test(name) || /^copying/i.test(name))
    .sort()[0];
  return file ? readFileSync(join(root, file), 'utf8').trim() : undefined;
}

function describePackage(root) {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return { name: manifest.name, license: licenseOf(manifest), text: licenseTextOf(root) };
}

/**
 * The packages of one bundle: those of every bundled module, and those of the files ncc copied as
 * assets (sql.js's glue and .wasm, read as files by src/api/sql/load-sql-js.ts), found by content.
 */
export function bundledPackages(stats, bundleDir) {
  const roots = new Set(
    moduleFiles(stats.modules)
      .map(packageRootOf)
      .filter((root) => root !== undefined),
  );
  const copied = (stats.assets ?? []).filter(
    (asset) => !asset.info?.javascriptModule && !asset.name.endsWith('licenses.txt'),
  );
  if (copied.length > 0) {
    const names = new Set(copied.map((asset) => basename(asset.name)));
    for (const candidate of filesNamed('node_modules', names)) {
      const asset = copied.find((a) => basename(a.name) === basename(candidate));
      const emitted = readFileSync(join(bundleDir, asset.name));
      if (emitted.equals(readFileSync(candidate))) roots.add(packageRootOf(join(process.cwd(), candidate)));
    }
  }
  const byName = new Map();
  for (const root of [...roots].filter(Boolean).sort()) {
    // A package inside a package (the nested `node_modules/x/package.json` of some builds) names itself.
    let dir = root;
    while (!statSync(join(dir, 'package.json'), { throwIfNoEntry: false })) dir = dirname(dir);
    const pkg = describePackage(dir);
    if (!byName.has(pkg.name)) byName.set(pkg.name, pkg);
  }
  return [...byName.values()];
}

/** ncc's licenses.txt layout, so tools that read ncc's file read this one too. */
export function renderLicenses(packages) {
  return (
    [...packages]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((pkg) => [pkg.name, pkg.license, pkg.text].filter((part) => part !== undefined).join('\n'))
      .join('\n\n') + '\n'
  );
}
