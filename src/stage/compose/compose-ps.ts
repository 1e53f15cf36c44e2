/**
 * Parses `docker compose ps --all --format json` into the gate's ServiceStatus rows. Compose changed
 * the shape in v2.21: before, one JSON array; since, one JSON object per line (like `docker ps`). Both
 * carry Service, Name, State, Health, ExitCode and Publishers; the newer one adds Status and Ports.
 */
import type { ServiceHealth, ServiceStatus } from '../driver.js';
import { stripTerminalEscapes } from './terminal-escapes.js';
import { formatTable } from '../../kit/text-table.js';

/** The fields of one `ps` entry this module reads (compose prints more). */
export interface ComposePsEntry {
  Service?: string;
  Name?: string;
  State?: string;
  Health?: string;
  ExitCode?: number;
  Status?: string;
  Ports?: string;
  Publishers?: Array<{ URL?: string; TargetPort?: number; PublishedPort?: number; Protocol?: string }> | null;
}

export class ComposeOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ComposeOutputError';
  }
}

/** Parse either output shape. Empty output (no containers) is an empty list. */
export function parseComposePs(stdout: string): ServiceStatus[] {
  const text = stripTerminalEscapes(stdout).trim();
  if (text === '') return [];
  let entries: unknown[];
  if (text.startsWith('[')) {
    entries = parseJson(text, 'the JSON array') as unknown[];
    if (!Array.isArray(entries))
      throw new ComposeOutputError('docker compose ps printed JSON that is not an array');
  } else {
    entries = text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .map((line, index) => parseJson(line, `line ${index + 1}`));
  }
  return entries.map((entry, index) => toServiceStatus(entry, index)).sort(byServiceThenInstance);
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const shown = text.length > 120 ? `${text.slice(0, 120)}…` : text;
    throw new ComposeOutputError(`docker compose ps printed something that is not JSON (${where}): ${shown}`);
  }
}

function toServiceStatus(raw: unknown, index: number): ServiceStatus {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ComposeOutputError(`docker compose ps entry ${index + 1} is not a JSON object`);
  const entry = raw as ComposePsEntry;
  if (typeof entry.Service !== 'string' || entry.Service === '')
    throw new ComposeOutputError(`docker compose ps entry ${index + 1} has no "Service" field`);
  const stateText = (entry.State ?? '').trim().toLowerCase();
  // Old releases put the whole status in State ("running (healthy)", "exited (1)"); keep the first word.
  const state = stateText.split(/[\s(]/)[0] || 'unknown';
  const status: ServiceStatus = {
    service: entry.Service,
    name: entry.Name || entry.Service,
    state,
    health: healthOf(entry),
  };
  const address = addressOf(entry);
  if (address) status.address = address;
  const detail = detailOf(entry, state);
  if (detail) status.detail = detail;
  return status;
}

const HEALTH_VALUES: readonly ServiceHealth[] = ['healthy', 'unhealthy', 'starting'];

function healthOf(entry: ComposePsEntry): ServiceHealth {
  const direct = (entry.Health ?? '').trim().toLowerCase();
  if ((HEALTH_VALUES as readonly string[]).includes(direct)) return direct as ServiceHealth;
  // Fall back on the human status, e.g. "Up 2 minutes (health: starting)" or "Up 5 s (unhealthy)".
  const text = `${entry.Status ?? ''} ${entry.State ?? ''}`.toLowerCase();
  if (text.includes('unhealthy')) return 'unhealthy';
  if (text.includes('health: starting')) return 'starting';
  if (text.includes('healthy')) return 'healthy';
  return 'none';
}

function addressOf(entry: ComposePsEntry): string | undefined {
  const published = (entry.Publishers ?? []).filter((p) => (p.PublishedPort ?? 0) > 0);
  if (published.length > 0) {
    const seen = new Set<string>();
    for (const p of published) {
      // Docker lists the IPv4 and IPv6 bindings of one port separately; one is enough for a human.
      const host = !p.URL || p.URL === '::' ? '0.0.0.0' : p.URL;
      seen.add(`${host}:${p.PublishedPort}->${p.TargetPort}/${p.Protocol ?? 'tcp'}`);
    }
    return [...seen].join(', ');
  }
  return entry.Ports?.trim() || undefined;
}

function detailOf(entry: ComposePsEntry, state: string): string | undefined {
  const parts: string[] = [];
  if (state !== 'running' && typeof entry.ExitCode === 'number') parts.push(`exit code ${entry.ExitCode}`);
  if (entry.Status?.trim()) parts.push(entry.Status.trim());
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** `stage-api-2` before `stage-api-10`: compare names with their numbers as numbers. */
function byServiceThenInstance(a: ServiceStatus, b: ServiceStatus): number {
  return a.service.localeCompare(b.service) || a.name.localeCompare(b.name, undefined, { numeric: true });
}

/** Running, and healthy (or without a healthcheck): what `up --wait` waits for. */
export function isReady(status: ServiceStatus): boolean {
  return status.state === 'running' && (status.health === 'healthy' || status.health === 'none');
}

/** A fixed-width table like `docker compose ps`, for the action log. */
export function formatServiceTable(services: ServiceStatus[]): string {
  if (services.length === 0) return '(no containers)';
  const rows = [
    ['NAME', 'SERVICE', 'STATE', 'HEALTH', 'ADDRESS', 'DETAIL'],
    ...services.map((s) => [s.name, s.service, s.state, s.health, s.address ?? '', s.detail ?? '']),
  ];
  return formatTable(rows);
}
