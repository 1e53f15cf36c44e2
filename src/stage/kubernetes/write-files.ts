/**
 * `npm run kubernetes:files`: (re)writes the Kubernetes stage's copies of the project's configs
 * (deploy/kubernetes/base/files/) from their sources under deploy/. Run it after editing one of them;
 * the test __tests__/stage/kubernetes/kubernetes-files.itg.test.ts fails until then.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KUBERNETES_FILES } from './cluster-files.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

for (const file of KUBERNETES_FILES) {
  const text = file.render(await readFile(join(root, file.source), 'utf8'));
  await mkdir(dirname(join(root, file.target)), { recursive: true });
  await writeFile(join(root, file.target), text);
  process.stdout.write(`${file.target} ← ${file.source}\n`);
}
