/**
 * Shared by the gateway discovery tests (compose: __tests__/stage/compose/gateway-dns-discovery.itg.test.ts;
 * Kubernetes: __tests__/stage/kubernetes/cluster-gateway-dns-discovery.itg.test.ts): a stand-in for the DNS
 * server that names the api replicas, stand-in replicas on several loopback addresses (containers and
 * pods all listen on one port, each on its own address), and the probes that show which replica served.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { REPLICA_HEADER, ROUTES } from '../../src/contract/index.js';
import { installExitHooks } from '../../src/stage/exit-hooks.js';
import { findFreePort, ManagedProcess } from '../../src/stage/local/process.js';

export interface ServiceDnsOptions {
  /** The one name it knows, e.g. `api` (Docker) or `api.stagegate.svc.cluster.local` (Kubernetes). */
  name: string;
  /** TTL of each A record: Docker's embedded DNS gives short ones, kubeadm's CoreDNS 30 s. */
  ttlSeconds: number;
  /**
   * Answer for the name while no address is listed: `nodata` (NOERROR, no record) or `nxdomain`, as
   * CoreDNS's kubernetes plugin answers for a headless Service with no ready endpoint.
   */
  whenEmpty: 'nodata' | 'nxdomain';
}

/**
 * A stand-in for the DNS server of a container platform, for one service name (a stand-in: no
 * recursion, no other record type). It answers A queries for that name with the current address list,
 * NODATA for other types of that name, NXDOMAIN for any other name.
 */
export class FakeServiceDns {
  addresses: string[] = [];
  queries = 0;
  private readonly socket: Socket = createSocket('udp4');

  constructor(private readonly options: ServiceDnsOptions) {
    this.socket.on('message', (query, peer) => {
      const answer = this.answer(query);
      if (answer) this.socket.send(answer, peer.port, peer.address);
    });
  }

  listen(port: number): Promise<void> {
    return new Promise((done, fail) => {
      this.socket.once('error', fail);
      this.socket.bind(port, '127.0.0.1', () => done());
    });
  }

  close(): Promise<void> {
    return new Promise((done) => this.socket.close(() => done()));
  }

  private answer(query: Buffer): Buffer | undefined {
    if (query.length < 17) return undefined;
    this.queries++;
    // Question: labels from byte 12 up to a zero byte, then type and class.
    const labels: string[] = [];
    let offset = 12;
    while (offset < query.length && query[offset] !== 0) {
      const length = query[offset]!;
      labels.push(query.subarray(offset + 1, offset + 1 + length).toString('ascii'));
      offset += length + 1;
    }
    const questionEnd = offset + 5;
    if (questionEnd > query.length) return undefined;
    const type = query.readUInt16BE(offset + 1);
    const records = this.addresses;
    const known =
      labels.join('.').toLowerCase() === this.options.name.toLowerCase() &&
      (records.length > 0 || this.options.whenEmpty === 'nodata');
    const answers = known && type === 1 ? records : [];
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0); // id
    // QR + AA + the query's RD + RA; rcode 3 (NXDOMAIN) for an unknown name.
    header.writeUInt16BE(0x8000 | 0x0400 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | (known ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const records_ = answers.map((address) => {
      const record = Buffer.alloc(16);
      record.writeUInt16BE(0xc00c, 0); // pointer to the question's name
      record.writeUInt16BE(1, 2); // A
      record.writeUInt16BE(1, 4); // IN
      record.writeUInt32BE(this.options.ttlSeconds, 6);
      record.writeUInt16BE(4, 10);
      address.split('.').forEach((part, i) => record.writeUInt8(Number(part), 12 + i));
      return record;
    });
    return Buffer.concat([header, query.subarray(12, questionEnd), ...records_]);
  }
}

/** One stand-in "replica": answers /healthz and anything else with its id in the replica header. */
export function startFakeReplica(id: string, host: string, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    response.setHeader(REPLICA_HEADER, id);
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ ok: true, path: request.url }));
  });
  server.keepAliveTimeout = 500;
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => done(server));
  });
}

export function stopFakeReplica(server: Server): Promise<void> {
  return new Promise((done) => {
    server.closeAllConnections();
    server.close(() => done());
  });
}

/** `count` GETs through the gateway, one after the other; the replica ids seen, and any failure. */
export async function sampleReplicas(
  gateway: string,
  count: number,
): Promise<{ seen: Map<string, number>; failures: string[] }> {
  const seen = new Map<string, number>();
  const failures: string[] = [];
  for (let i = 0; i < count; i++) {
    try {
      const response = await fetch(`${gateway}${ROUTES.healthz}`, { signal: AbortSignal.timeout(3000) });
      await response.arrayBuffer();
      if (response.status !== 200) failures.push(`HTTP ${response.status}`);
      const id = response.headers.get(REPLICA_HEADER) ?? '(none)';
      seen.set(id, (seen.get(id) ?? 0) + 1);
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  return { seen, failures };
}

/** The HTTP status of a GET, 0 when it could not be made. */
export async function statusOf(url: string): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** How many servers of the `api` backend HAProxy's exporter reports UP. */
export async function apiServersUp(statsBase: string): Promise<number> {
  const metrics = await (await fetch(`${statsBase}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
  return metrics
    .split('\n')
    .filter((line) => /^haproxy_server_status\{proxy="api",.*state="UP"\} 1$/.test(line)).length;
}

export interface DiscoveryHarness {
  dns: FakeServiceDns;
  haproxy: ManagedProcess;
  /** The gateway's URL and its stats/exporter base URL. */
  gateway: string;
  stats: string;
  /** Start the stand-in replica `id` on address `hosts[index]`, on the replicas' shared port. */
  startReplica(index: number, id: string): Promise<void>;
  stopReplica(id: string): Promise<void>;
  /** The tail of HAProxy's log, for failure messages. */
  why(): string;
}

/**
 * The real haproxy started with a config made from the DNS stand-in's port and the replicas' port, the
 * stand-in DNS, and the means to start and stop stand-in replicas; all stopped after the test.
 */
export async function startDiscoveryHarness(
  t: TestContext,
  options: ServiceDnsOptions & {
    /** One address per replica the test may start (each listens on the same port). */
    hosts: string[];
    config(ports: { dns: number; replicas: number }): string;
    env?: Record<string, string>;
  },
): Promise<DiscoveryHarness> {
  // A test run that dies mid-way still kills the haproxy it started.
  installExitHooks();
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-gateway-dns-'));
  const cleanups: Array<() => Promise<unknown> | unknown> = [
    () => rmSync(dir, { recursive: true, force: true }),
  ];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const [dnsPort, replicaPort, gatewayPort, statsPort] = [
    await findFreePort(),
    await findFreePort(options.hosts[0]),
    await findFreePort(),
    await findFreePort(),
  ];
  const dns = new FakeServiceDns(options);
  await dns.listen(dnsPort!);
  cleanups.push(() => dns.close());

  const replicas = new Map<string, Server>();
  const configFile = join(dir, 'haproxy.cfg');
  writeFileSync(configFile, options.config({ dns: dnsPort!, replicas: replicaPort! }));
  const haproxy = new ManagedProcess({
    name: 'gateway',
    command: 'haproxy',
    args: ['-db', '-f', configFile],
    env: {
      ...process.env,
      GATEWAY_BIND: `127.0.0.1:${gatewayPort}`,
      STATS_BIND: `127.0.0.1:${statsPort}`,
      ...options.env,
    },
    logFile: join(dir, 'haproxy.log'),
  });
  cleanups.push(() => haproxy.stop(2000));
  return {
    dns,
    haproxy,
    gateway: `http://127.0.0.1:${gatewayPort}`,
    stats: `http://127.0.0.1:${statsPort}`,
    startReplica: async (index, id) => {
      const server = await startFakeReplica(id, options.hosts[index]!, replicaPort!);
      replicas.set(id, server);
      cleanups.push(() => stopFakeReplica(server));
    },
    stopReplica: async (id) => {
      const server = replicas.get(id);
      if (server) await stopFakeReplica(server);
    },
    why: () => `haproxy log:\n${readFileSync(join(dir, 'haproxy.log'), 'utf8').slice(-2000)}`,
  };
}
