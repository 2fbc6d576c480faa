/**
 * docker-compose.yml cannot run here (no Docker engine), so this test reads it and checks that its
 * parts agree: every broker setting is one the broker knows and loads, brokers listen on Kafka's
 * INTERNAL/EXTERNAL pair (service names inside the compose network, localhost ports published
 * unchanged for the host), the ZooKeeper connect string
 * names the ensemble's services, and the ensemble's zoo.cfg matches its services and the local one.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { envVarName, knownConfigKeys, loadBrokerConfig, type BrokerConfig } from '../../../src/common/config';
import type { ListenerEndpoint } from '../../../src/common/endpoint';
import { parseZkConnectString } from '../../../src/common/zk-connect-string';

const root = path.join(__dirname, '..', '..', '..');

interface Service {
  image?: string;
  command?: string[];
  build?: string | { context: string };
  hostname?: string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;
const services = Object.entries(compose.services);
const zookeepers = services.filter(([, s]) => s.image?.startsWith('zookeeper:'));
const brokers = services.filter(([, s]) => s.environment?.JOSEF_BROKER_ID !== undefined);
const prometheus = services.find(([, s]) => s.image?.startsWith('prom/prometheus:'));

/** key=value lines of a zoo.cfg or the template, comments and blank lines left out. */
function readZooCfg(file: string): Map<string, string> {
  const entries = fs.readFileSync(path.join(root, file), 'utf8').split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && line.includes('='))
    .map((line): [string, string] => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
  return new Map(entries);
}

const zooCfg = readZooCfg('zk/docker/zoo.cfg');

/** `published:target` of a short-syntax port. */
function portPairs(service: Service): Array<{ published: number; target: number }> {
  return (service.ports ?? []).map((p) => {
    const [published, target] = p.split(':').map(Number);
    return { published, target };
  });
}

/** Env names the broker reads (config.ts): JOSEF_ + each known key, plus JOSEF_ZK. */
const brokerEnvNames = new Set([...knownConfigKeys].map(envVarName));

/** A broker's settings as the compose file gives them: its environment, through the broker's own loader. */
function brokerConfig(service: Service): BrokerConfig {
  const { config } = loadBrokerConfig({ env: service.environment ?? {} });
  return config;
}

function listener(endpoints: ListenerEndpoint[], name: string): ListenerEndpoint {
  const found = endpoints.find((e) => e.listenerName === name);
  if (!found) throw new Error(`no ${name} among ${endpoints.map((e) => e.listenerName).join(', ')}`);
  return found;
}

describe('docker-compose.yml', () => {
  it('has a 3-node ZooKeeper ensemble of the official image and 3 brokers built from this repository', () => {
    expect(zookeepers).toHaveLength(3);
    expect(brokers).toHaveLength(3);
    for (const [, s] of brokers) {
      const context = typeof s.build === 'string' ? s.build : s.build?.context;
      expect(context).toBe('.');
    }
    expect(fs.existsSync(path.join(root, 'Dockerfile'))).toBe(true);
    expect(fs.readFileSync(path.join(root, '.dockerignore'), 'utf8')).toMatch(/^node_modules$/m);
  });

  it('gives each ZooKeeper node its myid, the shared zoo.cfg and volumes, and the zoo.cfg lists exactly these nodes', () => {
    const myIds = zookeepers.map(([, s]) => Number(s.environment?.ZOO_MY_ID)).sort();
    expect(myIds).toEqual([1, 2, 3]);
    const servers = [...zooCfg].filter(([k]) => k.startsWith('server.')).map(([k, v]) => `${k}=${v}`).sort();
    const expected = zookeepers.map(([name, s]) => `server.${s.environment?.ZOO_MY_ID}=${name}:2888:3888;${zooCfg.get('clientPort')}`).sort();
    expect(servers).toEqual(expected);
    for (const [name, s] of zookeepers) {
      expect(s.hostname).toBe(name);
      expect(s.volumes).toContain('./zk/docker/zoo.cfg:/conf/zoo.cfg:ro');
      const mounts = new Map((s.volumes ?? []).map((v) => [v.split(':')[1], v.split(':')[0]]));
      for (const dir of [zooCfg.get('dataDir'), zooCfg.get('dataLogDir')]) {
        expect(compose.volumes).toHaveProperty([mounts.get(dir as string) as string]);
      }
      expect(s.healthcheck?.test.length).toBeGreaterThan(0);
    }
  });

  it('runs the ensemble with the timing and four-letter words of the local ZooKeeper (zk/zoo.cfg.template)', () => {
    const template = readZooCfg('zk/zoo.cfg.template');
    const placeOrAddress = new Set(['dataDir', 'clientPort', 'clientPortAddress']);
    for (const [key, value] of template) {
      if (placeOrAddress.has(key)) continue;
      expect([key, zooCfg.get(key)]).toEqual([key, value]);
    }
    // In a container the client port listens on every interface, not only on loopback.
    expect(zooCfg.has('clientPortAddress')).toBe(false);
  });

  it('sets brokers only through settings the broker knows, and each loads without error', () => {
    for (const [, s] of brokers) {
      const unknown = Object.keys(s.environment ?? {}).filter((name) => name.startsWith('JOSEF_') && !brokerEnvNames.has(name));
      expect(unknown).toEqual([]);
      expect(() => brokerConfig(s)).not.toThrow();
    }
    const ids = brokers.map(([, s]) => brokerConfig(s).brokerId).sort();
    expect(ids).toEqual([1, 2, 3]);
  });

  it('gives each broker Kafka\'s INTERNAL/EXTERNAL listener pair, brokers talking to each other on INTERNAL', () => {
    for (const [, s] of brokers) {
      const config = brokerConfig(s);
      expect(config.listeners.map((l) => [l.listenerName, l.host])).toEqual([['INTERNAL', '0.0.0.0'], ['EXTERNAL', '0.0.0.0']]);
      expect(config.advertisedListeners.map((l) => l.listenerName)).toEqual(['INTERNAL', 'EXTERNAL']);
      expect(config.listenerSecurityProtocolMap).toEqual({ INTERNAL: 'PLAINTEXT', EXTERNAL: 'PLAINTEXT' });
      expect([...config.listeners, ...config.advertisedListeners].every((l) => l.securityProtocol === 'PLAINTEXT')).toBe(true);
      expect(config.interBrokerListenerName).toBe('INTERNAL');
    }
  });

  it('advertises INTERNAL by service name, for the other containers, on a port the host does not publish', () => {
    for (const [name, s] of brokers) {
      const config = brokerConfig(s);
      const internal = listener(config.listeners, 'INTERNAL');
      // The address must reach the broker from other containers (Docker's DNS knows the service name) ...
      expect(s.hostname).toBe(name);
      expect(listener(config.advertisedListeners, 'INTERNAL')).toMatchObject({ host: name, port: internal.port });
      // ... and is the one its health check asks, from inside its container.
      expect(s.healthcheck?.test.join(' ')).toContain(`:${internal.port}`);
      expect(portPairs(s).map((p) => p.target)).not.toContain(internal.port);
    }
  });

  it('advertises EXTERNAL as localhost on a port the host publishes unchanged, one per broker: no /etc/hosts line needed', () => {
    const externalPorts: number[] = [];
    for (const [, s] of brokers) {
      const config = brokerConfig(s);
      const external = listener(config.advertisedListeners, 'EXTERNAL');
      expect(external.host).toBe('localhost');
      expect(listener(config.listeners, 'EXTERNAL').port).toBe(external.port);
      expect(portPairs(s)).toEqual([{ published: external.port, target: external.port }]);
      externalPorts.push(external.port);
    }
    expect(externalPorts.sort()).toEqual([9092, 9093, 9094]);
  });

  it('points every broker at the ensemble\'s services, under one chroot, after they are healthy', () => {
    const zkNames = zookeepers.map(([name]) => name).sort();
    const connects = new Set(brokers.map(([, s]) => brokerConfig(s).zookeeperConnect));
    expect(connects.size).toBe(1);
    const parsed = parseZkConnectString([...connects][0]);
    expect(parsed.servers.map((srv) => srv.host).sort()).toEqual(zkNames);
    expect(parsed.servers.every((srv) => srv.port === Number(zooCfg.get('clientPort')))).toBe(true);
    expect(parsed.chroot).toBe('/josef');
    for (const [, s] of brokers) {
      expect(Object.keys(s.depends_on ?? {}).sort()).toEqual(zkNames);
      expect(Object.values(s.depends_on ?? {}).every((d) => d.condition === 'service_healthy')).toBe(true);
      expect(s.healthcheck?.test.join(' ')).toMatch(/josef topic list/);
    }
  });

  it('keeps each broker\'s log dir on a named volume of its own, and replicates as 3 brokers allow', () => {
    const volumes = new Set<string>();
    for (const [, s] of brokers) {
      const config = brokerConfig(s);
      const mount = (s.volumes ?? []).map((v) => v.split(':')).find(([, target]) => config.logDirs.every((dir) => dir.startsWith(`${target}/`)));
      expect(mount).toBeDefined();
      expect(compose.volumes).toHaveProperty([mount?.[0] as string]);
      volumes.add(mount?.[0] as string);
      expect(config.defaultReplicationFactor).toBeLessThanOrEqual(brokers.length);
      expect(config.offsetsTopicReplicationFactor).toBeLessThanOrEqual(brokers.length);
      expect(config.minInsyncReplicas).toBeLessThan(config.defaultReplicationFactor);
    }
    expect(volumes.size).toBe(brokers.length);
  });

  it('has a Prometheus that scrapes every broker\'s metrics.port by its service name, and nothing else', () => {
    expect(prometheus).toBeDefined();
    const [, service] = prometheus as [string, Service];
    const mount = (service.volumes ?? []).map((v) => v.split(':')).find(([, target]) => target === '/etc/prometheus/prometheus.yml');
    expect(mount).toBeDefined();
    expect(service.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    const config = parse(fs.readFileSync(path.join(root, (mount as string[])[0]), 'utf8')) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
    const targets = config.scrape_configs.flatMap((job) => job.static_configs.flatMap((c) => c.targets)).sort();
    const expected = brokers.map(([name, s]) => {
      const { metricsPort } = brokerConfig(s);
      expect(metricsPort).not.toBeNull();
      return `${name}:${metricsPort}`;
    }).sort();
    expect(targets).toEqual(expected);
    // The metrics server binds the first listener's host: every interface, so Prometheus's container reaches it.
    for (const [, s] of brokers) expect(brokerConfig(s).listeners[0].host).toBe('0.0.0.0');
  });
});
