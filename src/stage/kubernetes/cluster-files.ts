/**
 * The files of the Kubernetes stage (deploy/kubernetes/base/files/) that come from the project's own
 * configs under deploy/. kustomize reads only files under a kustomization's folder, so they are copies:
 * this module says how each one is made from its source, `npm run kubernetes:files` writes them, and a
 * test fails when a committed copy differs from what its source gives today.
 *
 * - the gateway's HAProxy config: the shared deploy/haproxy/haproxy.cfg with Docker's DNS resolvers
 *   swapped for the cluster's (read from the pod's resolv.conf) and the api servers resolved from the
 *   headless Service's full name;
 * - Prometheus's config: deploy/prometheus/prometheus.yml with the api job discovering pods through
 *   the Kubernetes API instead of Docker's DNS;
 * - Grafana's provisioning and dashboard, and Tempo's config: byte-for-byte copies.
 */
import { parseDocument, YAMLMap, YAMLSeq } from 'yaml';
import {
  API_SERVERS_BEGIN,
  API_SERVERS_END,
  COMPOSE_ONLY_BEGIN,
  COMPOSE_ONLY_END,
  HaproxyConfigError,
} from '../local/haproxy-config.js';

/** Where the Kubernetes stage lives, relative to the repository root. */
export const KUBERNETES_DIR = 'deploy/kubernetes';
export const KUBERNETES_BASE_DIR = `${KUBERNETES_DIR}/base`;

/** The HAProxy resolvers section of the cluster config, and the env var naming the headless Service. */
export const CLUSTER_RESOLVERS = 'cluster';
export const API_DISCOVERY_ENV = 'API_DISCOVERY_NAME';
const CLUSTER_ONLY_BEGIN = '# BEGIN cluster-only';
const CLUSTER_ONLY_END = '# END cluster-only';

/** The api job's Prometheus name, as compose, the local stage and stage-up's `up{job="api"}` use it. */
export const API_JOB = 'api';
/** Label selecting the api pods (deploy/kubernetes/base/api.yaml) and their container port's name. */
export const API_POD_SELECTOR = 'app.kubernetes.io/name=api';
export const API_PORT_NAME = 'http';

export interface KubernetesFile {
  /** Written here (relative to the repository root). */
  target: string;
  /** Made from this file (relative to the repository root). */
  source: string;
  /** The target's text from the source's. */
  render(sourceText: string): string;
}

const copy = (text: string) => text;

export const KUBERNETES_FILES: readonly KubernetesFile[] = [
  {
    target: `${KUBERNETES_BASE_DIR}/files/haproxy.cfg`,
    source: 'deploy/haproxy/haproxy.cfg',
    render: (text) => renderClusterHaproxyConfig(text, 'deploy/haproxy/haproxy.cfg'),
  },
  {
    target: `${KUBERNETES_BASE_DIR}/files/prometheus.yml`,
    source: 'deploy/prometheus/prometheus.yml',
    render: (text) => renderClusterPrometheusConfig(text, 'deploy/prometheus/prometheus.yml'),
  },
  {
    target: `${KUBERNETES_BASE_DIR}/files/grafana/stage.json`,
    source: 'deploy/grafana/dashboards/stage.json',
    render: copy,
  },
  {
    target: `${KUBERNETES_BASE_DIR}/files/grafana/datasources.yaml`,
    source: 'deploy/grafana/provisioning/datasources/datasources.yaml',
    render: copy,
  },
  {
    target: `${KUBERNETES_BASE_DIR}/files/grafana/dashboards.yaml`,
    source: 'deploy/grafana/provisioning/dashboards/dashboards.yaml',
    render: copy,
  },
  {
    target: `${KUBERNETES_BASE_DIR}/files/tempo.yaml`,
    source: 'deploy/tempo/tempo.yaml',
    render: copy,
  },
];

/** The lines from `begin` to `end` (both included); throws naming the marker when one is missing. */
function markedBlock(lines: string[], begin: string, end: string, source: string): [number, number] {
  const first = lines.findIndex((line) => line.trim() === begin);
  const last = lines.findIndex((line, index) => index > first && line.trim() === end);
  if (first < 0) throw new HaproxyConfigError(`no "${begin}" line`, source);
  if (last < 0) throw new HaproxyConfigError(`"${begin}" is never closed by "${end}"`, source);
  return [first, last];
}

/**
 * The cluster variant of the shared HAProxy config. The compose-only resolvers section keeps its
 * tuning (timeouts, holds, payload size) but asks the nameservers of the pod's /etc/resolv.conf (the
 * cluster DNS) instead of Docker's; the api server-template resolves `${API_DISCOVERY_NAME}` (the
 * headless Service's full name, set in the pod) with those resolvers. HAProxy does not apply
 * resolv.conf's search list, hence the full name.
 */
export function renderClusterHaproxyConfig(shared: string, source = 'haproxy.cfg'): string {
  const lines = shared.split('\n');
  const [resolversFirst, resolversLast] = markedBlock(lines, COMPOSE_ONLY_BEGIN, COMPOSE_ONLY_END, source);
  const resolvers = lines.slice(resolversFirst + 1, resolversLast);
  const section = resolvers.findIndex((line) => /^resolvers\s+\S+\s*$/.test(line.trim()));
  if (section < 0)
    throw new HaproxyConfigError(`no resolvers section inside "${COMPOSE_ONLY_BEGIN}"`, source);
  const dockerResolvers = resolvers[section]!.trim().split(/\s+/)[1]!;
  const nameservers = resolvers.filter((line) => /^\s*nameserver\s/.test(line));
  if (nameservers.length === 0)
    throw new HaproxyConfigError(`the "${dockerResolvers}" resolvers name no nameserver`, source);
  const indent = /^\s*/.exec(nameservers[0]!)![0];
  const clusterResolvers = [
    CLUSTER_ONLY_BEGIN,
    "# The cluster DNS (the nameservers of the pod's /etc/resolv.conf) answers the headless Service",
    '# `api` with one A record per ready replica.',
    `resolvers ${CLUSTER_RESOLVERS}`,
    `${indent}parse-resolv-conf`,
    // The section's own tuning, minus the comments before it and Docker's nameserver.
    ...resolvers.slice(section + 1).filter((line) => !/^\s*nameserver\s/.test(line)),
    CLUSTER_ONLY_END,
  ];

  const [serversFirst, serversLast] = markedBlock(lines, API_SERVERS_BEGIN, API_SERVERS_END, source);
  const template = new RegExp(
    `^(\\s*server-template\\s+\\S+\\s+\\S+\\s+)\\S+:(\\d+)(\\s.*\\bresolvers\\s+)${dockerResolvers}(\\s.*|)$`,
  );
  let templates = 0;
  const servers = lines.slice(serversFirst, serversLast + 1).map((line) => {
    const match = template.exec(line);
    if (!match) return line;
    templates++;
    return `${match[1]}"\${${API_DISCOVERY_ENV}}:${match[2]}"${match[3]}${CLUSTER_RESOLVERS}${match[4]}`;
  });
  if (templates !== 1)
    throw new HaproxyConfigError(
      `expected one "server-template ... resolvers ${dockerResolvers}" line in the api-servers block, found ${templates}`,
      source,
    );

  // The shared file's opening comment describes the compose and local variants; this one says its own.
  const opening = lines.findIndex((line) => !line.startsWith('#'));
  const output = [
    `# The Kubernetes stage's gateway. Generated from ${source} by \`npm run kubernetes:files\`:`,
    '# Docker\'s DNS is replaced by the cluster\'s (block "cluster-only") and the api replicas are resolved',
    `# from \${${API_DISCOVERY_ENV}}, the headless Service's full name (set in deploy/kubernetes/base/gateway.yaml).`,
    '# Do not edit: edit the shared file and run the command again.',
    ...lines.slice(Math.max(0, opening), resolversFirst),
    ...clusterResolvers,
    ...lines.slice(resolversLast + 1, serversFirst),
    ...servers,
    ...lines.slice(serversLast + 1),
  ];
  return output.join('\n');
}

/**
 * The cluster variant of the compose stage's Prometheus config: the same jobs and intervals, but the
 * api job finds its targets through the Kubernetes API (every api pod of the namespace Prometheus runs
 * in; RBAC in deploy/kubernetes/base/prometheus.yaml), each target labelled with its pod's name and
 * readiness, so `up{job="api"}` names every replica and says whether Kubernetes counts it ready.
 */
export function renderClusterPrometheusConfig(compose: string, source = 'prometheus.yml'): string {
  const document = parseDocument(compose);
  if (document.errors.length) throw new Error(`${source}: ${document.errors[0]!.message}`);
  const jobs = document.get('scrape_configs');
  if (!(jobs instanceof YAMLSeq)) throw new Error(`${source}: no scrape_configs list`);
  const api = jobs.items.find(
    (item): item is YAMLMap => item instanceof YAMLMap && item.get('job_name') === API_JOB,
  );
  if (!api) throw new Error(`${source}: no scrape job named "${API_JOB}"`);
  if (!api.has('dns_sd_configs'))
    throw new Error(`${source}: the "${API_JOB}" job has no dns_sd_configs to replace`);
  api.delete('dns_sd_configs');
  const kubernetesSd = document.createNode([
    {
      role: 'pod',
      namespaces: { own_namespace: true },
      selectors: [{ role: 'pod', label: API_POD_SELECTOR }],
    },
  ]);
  kubernetesSd.commentBefore =
    ' Every api pod of this namespace, found through the Kubernetes API (also ones the autoscaler adds).';
  api.set('kubernetes_sd_configs', kubernetesSd);
  api.set(
    'relabel_configs',
    document.createNode([
      // One target per pod: its api container port (pod discovery lists every declared port).
      { source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: API_PORT_NAME, action: 'keep' },
      // A finished pod is not a replica.
      { source_labels: ['__meta_kubernetes_pod_phase'], regex: 'Succeeded|Failed', action: 'drop' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
      { source_labels: ['__meta_kubernetes_pod_ready'], target_label: 'pod_ready' },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
    ]),
  );
  // The compose file's opening comment (on its first key) describes Docker's DNS; this one says its own.
  const firstKey = document.contents instanceof YAMLMap ? document.contents.items[0]?.key : undefined;
  if (firstKey && typeof firstKey === 'object' && 'commentBefore' in firstKey) firstKey.commentBefore = null;
  document.commentBefore = [
    ` Prometheus of the Kubernetes stage. Generated from ${source} by \`npm run kubernetes:files\`:`,
    ` the same jobs, but the ${API_JOB} job discovers pods through the Kubernetes API instead of Docker's DNS.`,
    ' Do not edit: edit the shared file and run the command again.',
  ].join('\n');
  return document.toString({ lineWidth: 0 });
}
