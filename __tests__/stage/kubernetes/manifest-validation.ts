/**
 * Judges Kubernetes objects against the API of a current Kubernetes release (kubernetes-models: v1.36's
 * OpenAPI schema, compiled to validators with ajv). Two passes, both by the library's own artefacts:
 * - `schemaErrors`: each object through its model's validator (types, required fields, enums, formats);
 * - `unknownFieldErrors`: each object as a TypeScript literal of its model's interface, so the compiler's
 *   excess-property check names any field the API does not have (the schema validators accept unknown
 *   fields, while `kubectl apply` rejects them: its field validation is Strict by default).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string };
  [field: string]: unknown;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** `apps/v1` + `Deployment` → `kubernetes-models/apps/v1/Deployment` (core `v1` → `kubernetes-models/v1/...`). */
export function modelPath(object: Pick<KubernetesObject, 'apiVersion' | 'kind'>): string {
  if (!/^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/.test(object.apiVersion))
    throw new Error(`apiVersion "${object.apiVersion}" is not a Kubernetes API version`);
  if (!/^[A-Z][A-Za-z0-9]*$/.test(object.kind)) throw new Error(`kind "${object.kind}" is not a kind`);
  return `kubernetes-models/${object.apiVersion}/${object.kind}`;
}

export function describeObject(object: KubernetesObject): string {
  return `${object.kind}/${object.metadata?.name ?? '(unnamed)'}`;
}

type ModelClass = new (data: unknown) => { validate(): void };

/** Each object through its model's validator; one message per invalid object (or unknown kind). */
export async function schemaErrors(objects: KubernetesObject[]): Promise<string[]> {
  const errors: string[] = [];
  for (const object of objects) {
    let Model: ModelClass | undefined;
    try {
      const module = (await import(modelPath(object))) as Record<string, ModelClass>;
      Model = module[object.kind];
    } catch (error) {
      errors.push(
        `${describeObject(object)}: no model for ${object.apiVersion} ${object.kind} (${(error as Error).message})`,
      );
      continue;
    }
    if (!Model) {
      errors.push(`${describeObject(object)}: no model for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    const { apiVersion: _apiVersion, kind: _kind, ...data } = object;
    try {
      new Model(data).validate();
    } catch (error) {
      errors.push(`${describeObject(object)}: ${(error as Error).message}`);
    }
  }
  return errors;
}

/**
 * The objects as one TypeScript module, each a literal typed by its model's interface, type-checked in
 * memory. Returns one message per diagnostic, naming the object.
 */
export function unknownFieldErrors(objects: KubernetesObject[]): string[] {
  const fileName = join(ROOT, '__tests__', 'kubernetes', '.manifests-under-check.ts');
  const lines: string[] = [];
  const owners: Array<{ from: number; to: number; object: KubernetesObject }> = [];
  objects.forEach((object, index) => {
    lines.push(`import type { I${object.kind} as T${index} } from '${modelPath(object)}';`);
  });
  let nextLine = objects.length;
  objects.forEach((object, index) => {
    const literal = `export const o${index}: T${index} = ${JSON.stringify(object, null, 2)};`;
    lines.push(literal);
    const height = literal.split('\n').length;
    owners.push({ from: nextLine, to: nextLine + height, object });
    nextLine += height;
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, onError, create) =>
    name === fileName
      ? ts.createSourceFile(name, source, version, true)
      : getSourceFile(name, version, onError, create);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (name === fileName ? source : readFile(name));
  const program = ts.createProgram([fileName], options, host);
  const file = program.getSourceFile(fileName)!;
  return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map(
    (diagnostic) => {
      const line =
        diagnostic.start === undefined ? -1 : file.getLineAndCharacterOfPosition(diagnostic.start).line;
      const owner = owners.find((entry) => line >= entry.from && line < entry.to);
      const where = owner ? describeObject(owner.object) : `line ${line + 1}`;
      return `${where}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    },
  );
}
