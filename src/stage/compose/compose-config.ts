/**
 * A compose file as `docker compose config --format json` resolves it (variables interpolated, short
 * syntaxes expanded): the services the gate needs to know about, with their published ports, fixed
 * container names, healthchecks and environment. Pure parsing, so every shape is tested without Docker;
 * `lineLocator` finds where a key sits in the file the user wrote, so findings can name the line.
 */
import { LineCounter, isMap, isScalar, parseDocument, type Node } from 'yaml';
import { ComposeOutputError } from './compose-ps.js';

/** One port a service publishes on the host. */
export interface PublishedPort {
  /** Host address ('' when compose binds every address). */
  hostIp: string;
  /** Host port (the first of a range); undefined when Docker picks one. */
  published?: number;
  /** Whether the host port is a fixed number (not empty, not a range). */
  fixed: boolean;
  target: number;
  protocol: string;
}

export interface ComposeServiceConfig {
  name: string;
  image?: string;
  containerName?: string;
  ports: PublishedPort[];
  /** A healthcheck that is declared and not disabled. */
  hasHealthcheck: boolean;
  environment: Record<string, string | null>;
  /** The container's command line, joined (to recognise e.g. a Prometheus listen address). */
  command: string;
}

export interface ComposeStageConfig {
  /** The project name the file gives itself (`name:`), when compose printed one. */
  name?: string;
  services: ComposeServiceConfig[];
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function toPort(raw: unknown): PublishedPort | undefined {
  const port = asRecord(raw);
  if (!port) return undefined;
  const target = Number(port.target);
  if (!Number.isInteger(target)) return undefined;
  const publishedText = port.published === undefined || port.published === null ? '' : String(port.published);
  const first = Number(publishedText.split('-')[0]);
  return {
    hostIp: typeof port.host_ip === 'string' ? port.host_ip : '',
    ...(publishedText !== '' && Number.isInteger(first) && first > 0 ? { published: first } : {}),
    fixed: /^\d+$/.test(publishedText),
    target,
    protocol: typeof port.protocol === 'string' ? port.protocol : 'tcp',
  };
}

function toEnvironment(raw: unknown): Record<string, string | null> {
  const env = asRecord(raw);
  if (!env) return {};
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => [
      name,
      value === null || value === undefined ? null : String(value),
    ]),
  );
}

function toService(name: string, raw: unknown): ComposeServiceConfig {
  const service = asRecord(raw) ?? {};
  const healthcheck = asRecord(service.healthcheck);
  const test = healthcheck?.test;
  const disabled =
    healthcheck?.disable === true || (Array.isArray(test) && String(test[0]).toUpperCase() === 'NONE');
  const command = service.command;
  return {
    name,
    ...(typeof service.image === 'string' ? { image: service.image } : {}),
    ...(typeof service.container_name === 'string' && service.container_name
      ? { containerName: service.container_name }
      : {}),
    ports: (Array.isArray(service.ports) ? service.ports : [])
      .map(toPort)
      .filter((port): port is PublishedPort => port !== undefined),
    hasHealthcheck: healthcheck !== undefined && !disabled,
    environment: toEnvironment(service.environment),
    command: Array.isArray(command)
      ? command.map(String).join(' ')
      : typeof command === 'string'
        ? command
        : '',
  };
}

/** Parse `docker compose config --format json`; a ComposeOutputError names what is wrong. */
export function parseComposeConfig(stdout: string): ComposeStageConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch {
    const shown = stdout.trim().slice(0, 120);
    throw new ComposeOutputError(`docker compose config printed something that is not JSON: ${shown}`);
  }
  const doc = asRecord(raw);
  const services = asRecord(doc?.services);
  if (!doc || !services)
    throw new ComposeOutputError('docker compose config printed JSON without a "services" object');
  return {
    ...(typeof doc.name === 'string' && doc.name ? { name: doc.name } : {}),
    services: Object.entries(services)
      .map(([name, service]) => toService(name, service))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

export function serviceNamed(config: ComposeStageConfig, name: string): ComposeServiceConfig | undefined {
  return config.services.find((service) => service.name === name);
}

/** The 1-based line of a key path in a YAML text (`['services', 'api', 'ports']`); undefined if absent. */
export type LineLocator = (path: string[]) => number | undefined;

/** A locator over the text of the file the user wrote; one that finds nothing if it does not parse. */
export function lineLocator(yamlText: string): LineLocator {
  const lineCounter = new LineCounter();
  let contents: Node | null = null;
  try {
    const doc = parseDocument(yamlText, { lineCounter, strict: false, uniqueKeys: false });
    contents = doc.contents as Node | null;
  } catch {
    return () => undefined;
  }
  return (path) => {
    let node: unknown = contents;
    let line: number | undefined;
    for (const key of path) {
      if (!isMap(node)) return undefined;
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
      if (!pair || !isScalar(pair.key) || !pair.key.range) return undefined;
      line = lineCounter.linePos(pair.key.range[0]).line;
      node = pair.value;
    }
    return line;
  };
}
