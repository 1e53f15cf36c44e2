/**
 * What the gate learns from a compose file before it boots anything, as pure functions of the resolved
 * config (compose-config.ts): whether the names it was given are services of the file (and if not,
 * which option to set to what), the static preflight findings (each naming the line to change), and the
 * values it discovers: the gateway's URL from the port it publishes, Prometheus's from its own.
 */
import type { StageDescription, StageValue } from '../driver.js';
import {
  serviceNamed,
  type ComposeServiceConfig,
  type ComposeStageConfig,
  type LineLocator,
  type PublishedPort,
} from './compose-config.js';

/** `error`: the stage cannot be checked as it is (the boot stops); `warning`: it can, with less proof. */
export type PreflightFinding = StageDescription['findings'][number];

/** Set by the gate in the environment of its `config` call, to see whether the variable reaches the api. */
export const NARRATOR_PROBE_VALUE = '7919';
export const NARRATOR_VARIABLE = 'NARRATOR_MAX_CONCURRENCY';

/** The port Prometheus listens on unless told otherwise. */
const PROMETHEUS_PORT = 9090;
/** Container ports a gateway usually serves HTTP on, in order of preference when it publishes several. */
const GATEWAY_PORTS = [80, 8000, 8080, 8443, 443];

export interface StageNames {
  file: string;
  apiService: string;
  gatewayService: string;
  /** Required services the user named (undefined: the default, i.e. every other service of the file). */
  requiredServices?: string[];
  /** Services the user asked to boot (empty: all). */
  services: string[];
}

function serviceList(config: ComposeStageConfig): string {
  return config.services.map((service) => service.name).join(', ') || '(none)';
}

/** Every name the gate was given that the file does not have, each with the option to set and to what. */
export function checkNames(config: ComposeStageConfig, names: StageNames): string[] {
  const problems: string[] = [];
  const has = (name: string) => serviceNamed(config, name) !== undefined;
  const options = serviceList(config);
  for (const [name, option] of [
    [names.apiService, 'api-service'],
    [names.gatewayService, 'gateway-service'],
  ] as const)
    if (!has(name))
      problems.push(`no service \`${name}\` in ${names.file}; set \`${option}\` to one of: ${options}`);
  const missingRequired = (names.requiredServices ?? []).filter((name) => !has(name));
  if (missingRequired.length)
    problems.push(
      `required service${missingRequired.length > 1 ? 's' : ''} ${missingRequired.map((n) => `\`${n}\``).join(', ')} not in ${names.file}; set \`required-services\` to services of the file (${options}), or leave it unset to require every service the file has`,
    );
  const missingSelected = names.services.filter((name) => !has(name));
  if (missingSelected.length)
    problems.push(
      `${missingSelected.map((n) => `\`${n}\``).join(', ')} not in ${names.file}; set \`services\` to services of the file: ${options}`,
    );
  return problems;
}

/**
 * The services stage-up requires besides the api and the gateway: the ones the user named, else every
 * other service of the file. `notInStage`: the reference stage's defaults that this file does not have.
 */
export function requiredServicesOf(
  config: ComposeStageConfig,
  names: StageNames,
  referenceDefaults: readonly string[],
): { required: string[]; notInStage: string[] } {
  if (names.requiredServices) return { required: names.requiredServices, notInStage: [] };
  const others = config.services
    .map((service) => service.name)
    .filter((name) => name !== names.apiService && name !== names.gatewayService);
  return { required: others, notInStage: referenceDefaults.filter((name) => !others.includes(name)) };
}

function at(file: string, locate: LineLocator, path: string[]): string {
  for (let length = path.length; length > 0; length--) {
    const line = locate(path.slice(0, length));
    if (line !== undefined) return `${file}:${line}`;
  }
  return file;
}

function describePort(port: PublishedPort): string {
  return `${port.hostIp ? `${port.hostIp}:` : ''}${port.published ?? ''}:${port.target}`;
}

/** The Prometheus service of the file: named so, or running a Prometheus image. */
export function prometheusServiceOf(config: ComposeStageConfig): ComposeServiceConfig | undefined {
  return (
    serviceNamed(config, 'prometheus') ??
    config.services.find((service) => /prometheus/i.test(`${service.name} ${service.image ?? ''}`))
  );
}

/**
 * The static preflight: what in the file keeps the gate from checking the stage, or weakens the proof.
 * `replicas` decides whether a fixed name or host port is an error (one replica can live with them).
 * `prometheusSet`/`baseUrlSet`: the user named the URL, so the file need not publish it.
 */
export function preflightFindings(
  config: ComposeStageConfig,
  names: StageNames,
  locate: LineLocator,
  options: { replicas: number; baseUrlSet: boolean; prometheusSet: boolean },
): PreflightFinding[] {
  const findings: PreflightFinding[] = [];
  const { file } = names;
  const api = serviceNamed(config, names.apiService);
  const scaled = options.replicas > 1 ? 'error' : 'warning';
  if (api?.containerName)
    findings.push({
      severity: scaled,
      message: `${at(file, locate, ['services', api.name, 'container_name'])}: service \`${api.name}\` sets container_name "${api.containerName}": only one container can have that name, so --scale ${api.name}=${options.replicas} cannot run; remove container_name`,
    });
  const fixedPorts = (api?.ports ?? []).filter((port) => port.fixed);
  if (api && fixedPorts.length)
    findings.push({
      severity: scaled,
      message: `${at(file, locate, ['services', api.name, 'ports'])}: service \`${api.name}\` publishes the fixed host port ${fixedPorts.map(describePort).join(', ')}: a second replica cannot bind it, so --scale ${api.name}=${options.replicas} cannot run; remove the host port (keep "${fixedPorts[0]!.target}" under expose, the gateway reaches the replicas inside the network)`,
    });
  if (api && api.environment[NARRATOR_VARIABLE] !== NARRATOR_PROBE_VALUE) {
    const current = api.environment[NARRATOR_VARIABLE];
    findings.push({
      severity: 'warning',
      message: `${at(file, locate, ['services', api.name, 'environment', NARRATOR_VARIABLE])}: ${NARRATOR_VARIABLE} does not reach service \`${api.name}\`'s environment (${current === undefined ? 'it is not set there' : `it is "${current ?? ''}" whatever the gate passes`}), so narrator-max-concurrency has no effect; add \`${NARRATOR_VARIABLE}: \${${NARRATOR_VARIABLE}}\` under its environment`,
    });
  }
  const gateway = serviceNamed(config, names.gatewayService);
  if (gateway && !options.baseUrlSet && !gateway.ports.some((port) => port.published !== undefined))
    findings.push({
      severity: 'error',
      message: `${at(file, locate, ['services', gateway.name, 'ports'])}: gateway service \`${gateway.name}\` publishes no port, so the gate cannot reach it from the host; add ports: ["127.0.0.1:8000:<its port>"] to it, or set \`base-url\``,
    });
  if (!options.prometheusSet) {
    const prometheus = prometheusServiceOf(config);
    if (!prometheus)
      findings.push({
        severity: 'warning',
        message: `${at(file, locate, ['services'])}: no Prometheus service, so no metric can be read from the host and every check that reads one says its metric evidence is missing; add a prometheus service that scrapes the \`${names.apiService}\` replicas and publishes its port (docs/bring-your-own-stage.md), or set \`prometheus-url\``,
      });
    else if (!prometheus.ports.some((port) => port.published !== undefined))
      findings.push({
        severity: 'warning',
        message: `${at(file, locate, ['services', prometheus.name, 'ports'])}: Prometheus service \`${prometheus.name}\` publishes no port, so no metric can be read from the host; add ports: ["127.0.0.1:9090:${PROMETHEUS_PORT}"] to it, or set \`prometheus-url\``,
      });
  }
  return findings;
}

/** `http://host:port` of a published port, on loopback when compose binds every address. */
function hostUrl(port: PublishedPort): string {
  const host = !port.hostIp || port.hostIp === '0.0.0.0' || port.hostIp === '::' ? '127.0.0.1' : port.hostIp;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port.published}`;
}

function pickPort(ports: PublishedPort[], preferred: number[]): PublishedPort | undefined {
  const published = ports.filter((port) => port.published !== undefined && port.protocol === 'tcp');
  for (const target of preferred) {
    const match = published.find((port) => port.target === target);
    if (match) return match;
  }
  return published[0];
}

/** The gateway's URL from the port it publishes; undefined when it publishes none. */
export function discoverBaseUrl(config: ComposeStageConfig, gatewayService: string): StageValue | undefined {
  const gateway = serviceNamed(config, gatewayService);
  const port = gateway && pickPort(gateway.ports, GATEWAY_PORTS);
  if (!gateway || !port) return undefined;
  return {
    option: 'base-url',
    value: hostUrl(port),
    origin: 'discovered',
    how: `port ${describePort(port)} published by \`${gateway.name}\``,
  };
}

/** Prometheus's URL from the port its service publishes; undefined when there is none. */
export function discoverPrometheusUrl(config: ComposeStageConfig): StageValue | undefined {
  const prometheus = prometheusServiceOf(config);
  const port = prometheus && pickPort(prometheus.ports, [PROMETHEUS_PORT]);
  if (!prometheus || !port) return undefined;
  return {
    option: 'prometheus-url',
    value: hostUrl(port),
    origin: 'discovered',
    how: `port ${describePort(port)} published by \`${prometheus.name}\``,
  };
}
