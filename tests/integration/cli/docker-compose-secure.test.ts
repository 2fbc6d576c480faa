/**
 * docker-compose.secure.yml cannot run here (no Docker engine), so this test makes its files with
 * scripts/compose-secure-setup.sh, merges it over docker-compose.yml with `docker-compose config`,
 * and checks that the parts agree: every broker loads its settings (environment and the mounted
 * server.properties) into SASL_SSL listeners with a SCRAM login between brokers and the authorizer
 * on without User:ANONYMOUS; the users are written to ZooKeeper before any broker starts; the
 * health check and the client files authenticate as the admin.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { clientPropertiesFrom } from '../../../src/client/client-properties';
import { loadBrokerConfig } from '../../../src/common/config';
import { parseProperties } from '../../../src/common/properties';
import { rmDir, tmpDir } from '../../helpers/tmp';

const root = path.join(__dirname, '..', '..', '..');

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

describe('docker-compose.secure.yml over docker-compose.yml', () => {
  let secureDir: string;
  let services: Record<string, Service>;

  beforeAll(() => {
    secureDir = tmpDir('compose-secure');
    const env = { ...process.env, JOSEF_SECURE_DIR: secureDir };
    const setup = spawnSync('sh', [path.join(root, 'scripts', 'compose-secure-setup.sh')], { cwd: root, env, encoding: 'utf8' });
    if (setup.status !== 0) throw new Error(`compose-secure-setup.sh failed: ${setup.stderr}`);
    const merged = spawnSync('docker-compose', ['-f', 'docker-compose.yml', '-f', 'docker-compose.secure.yml', 'config'], { cwd: root, env, encoding: 'utf8' });
    if (merged.status !== 0) throw new Error(`docker-compose config failed: ${merged.stderr}`);
    services = (parse(merged.stdout) as { services: Record<string, Service> }).services;
  });
  afterAll(() => rmDir(secureDir));

  const brokers = (): [string, Service][] => Object.entries(services).filter(([, s]) => s.environment?.JOSEF_BROKER_ID !== undefined);
  const properties = (file: string): Map<string, string> => new Map(parseProperties(fs.readFileSync(file, 'utf8')).map((e) => [e.key, e.value]));

  /** The host file behind a path in the broker's container, through its bind mounts. */
  const hostPath = (service: Service, containerPath: string): string => {
    for (const volume of service.volumes ?? []) {
      const [source, target] = volume.split(':');
      if (containerPath.startsWith(`${target}/`)) return path.join(source, containerPath.slice(target.length + 1));
    }
    throw new Error(`${containerPath} is not mounted`);
  };

  it('loads every broker\'s settings: SASL_SSL listeners, a SCRAM login between brokers, the authorizer without User:ANONYMOUS', () => {
    expect(brokers()).toHaveLength(3);
    for (const [, s] of brokers()) {
      const command = s.command ?? [];
      const configFile = command[command.indexOf('--config') + 1];
      const { config, warnings } = loadBrokerConfig({ env: s.environment ?? {}, file: hostPath(s, configFile) });
      expect(warnings).toEqual([]);
      expect([...config.listeners, ...config.advertisedListeners].every((l) => l.securityProtocol === 'SASL_SSL')).toBe(true);
      expect([config.interBrokerListenerName, config.securityInterBrokerProtocol, config.saslMechanismInterBrokerProtocol]).toEqual(['INTERNAL', 'SASL_SSL', 'SCRAM-SHA-256']);
      expect(config.saslLogins.INTERNAL['SCRAM-SHA-256'].username).toBe('broker');
      expect(config.authorizerClassName).not.toBeNull();
      expect(config.superUsers.sort()).toEqual(['User:admin', 'User:broker']);
      for (const file of [config.sslKeystoreLocation, config.sslTruststoreLocation]) expect(fs.existsSync(hostPath(s, file as string))).toBe(true);
    }
  });

  it('writes the admin\'s and the broker\'s SCRAM credentials once ZooKeeper is healthy, before any broker starts', () => {
    const users = services['scram-users'];
    // `config` keeps compose's escape: $$ is a $ for the container's shell, which reads users.env's variables.
    const script = (users.command ?? []).join(' ');
    expect(script).toMatch(/josef user add admin --password "\$\$ADMIN_PASSWORD" --mechanism SCRAM-SHA-256/);
    expect(script).toMatch(/josef user add broker --password "\$\$BROKER_PASSWORD" --mechanism SCRAM-SHA-256/);
    expect(users.environment?.ZK).toBe(brokers()[0][1].environment?.JOSEF_ZOOKEEPER_CONNECT);
    const passwords = properties(path.join(secureDir, 'users.env'));
    // `config` reads the env_file into the environment.
    expect(users.environment?.ADMIN_PASSWORD).toBe(passwords.get('ADMIN_PASSWORD'));
    const jaas = properties(path.join(secureDir, 'server.properties')).get('listener.name.internal.scram-sha-256.sasl.jaas.config');
    expect(jaas).toContain(`password="${passwords.get('BROKER_PASSWORD')}"`);
    for (const [, s] of brokers()) expect(s.depends_on?.['scram-users']).toEqual({ condition: 'service_completed_successfully' });
  });

  it('has the health check and the clients authenticate as the admin, over TLS trusting the CA', () => {
    const passwords = properties(path.join(secureDir, 'users.env'));
    for (const [, s] of brokers()) {
      const check = s.healthcheck?.test.join(' ') ?? '';
      const file = /--command-config (\S+)/.exec(check)?.[1] as string;
      const internal = clientPropertiesFrom(properties(hostPath(s, file)), (f) => fs.readFileSync(hostPath(s, f)));
      expect(internal.security.sasl).toEqual({ mechanism: 'SCRAM-SHA-256', username: 'admin', password: passwords.get('ADMIN_PASSWORD') });
      expect(internal.security.tls?.ca).toEqual(fs.readFileSync(path.join(secureDir, 'ca.pem')));
    }
    const host = clientPropertiesFrom(properties(path.join(secureDir, 'client.properties')), (f) => fs.readFileSync(f));
    expect(host.bootstrapServers).toBe('localhost:9092,localhost:9093,localhost:9094');
    expect(host.security.sasl?.username).toBe('admin');
  });
});
