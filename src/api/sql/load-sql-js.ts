/**
 * Loads sql.js so that it works both from source (tsx) and from the ncc bundle in dist/api.
 *
 * Why not a plain `import 'sql.js'`: bundlers parse its Emscripten glue and rewrite the glue's
 * `typeof module` checks to constants, which makes it crash with "Cannot set properties of undefined
 * (setting 'exports')" (sql.js issues #406, #495, #600). So the glue and its .wasm are read as files —
 * ncc sees a file URL relative to this module and copies the file next to the bundle — and the glue is
 * evaluated here, unparsed, with the WebAssembly handed over directly (no file lookup inside sql.js). Source mode reads
 * them from node_modules at the repository root.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInThisContext } from 'node:vm';
import type { InitSqlJsStatic, SqlJsStatic } from 'sql.js';

let loaded: Promise<SqlJsStatic> | undefined;

export function loadSqlJs(): Promise<SqlJsStatic> {
  if (!loaded) loaded = load();
  return loaded;
}

async function load(): Promise<SqlJsStatic> {
  // Keep each URL literal inside its readFileSync call: that is the form ncc copies byte for byte. Some
  // other shapes of this module (a URL in a variable; even `??=` above) make ncc fall back to webpack's
  // asset handling, which corrupts the .wasm — the packaging check in __tests__/api catches that.
  const glue = readFileSync(
    new URL('../../../node_modules/sql.js/dist/sql-wasm.js', import.meta.url),
    'utf8',
  );
  const wasm = readFileSync(new URL('../../../node_modules/sql.js/dist/sql-wasm.wasm', import.meta.url));
  // The CommonJS wrapper Node would give the file. sql.js uses __dirname only to find its .wasm, which
  // it will not need (wasmBinary below).
  const factory = runInThisContext(
    `(function (module, exports, require, __filename, __dirname) {\n${glue}\n})`,
    {
      filename: 'sql-wasm.js',
    },
  ) as (
    module: { exports: unknown },
    exports: unknown,
    require: NodeJS.Require,
    file: string,
    dir: string,
  ) => void;
  const holder: { exports: unknown } = { exports: {} };
  const here = fileURLToPath(import.meta.url);
  factory(holder, holder.exports, createRequire(import.meta.url), here, dirname(here));
  const initSqlJs = holder.exports as InitSqlJsStatic;
  // Emscripten's wasmBinary option: sql.js instantiates these bytes instead of reading the .wasm itself.
  return initSqlJs({ wasmBinary: wasm } as unknown as Parameters<InitSqlJsStatic>[0]);
}
