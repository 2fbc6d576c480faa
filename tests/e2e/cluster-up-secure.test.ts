/**
 * `josef cluster up --secure` as a learner runs it: one flag gives brokers that speak only
 * SASL_SSL with SCRAM-SHA-256 (to clients and to each other) with the authorizer on, and a
 * `<data-dir>/client.properties` for the admin in librdkafka's names, readable by its owner only.
 * kcat (-F), confluent-kafka and Josef's CLI (--command-config) work with that file; kcat over TLS
 * without credentials and Josef's CLI over plaintext are refused.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseProperties } from '../../src/common/properties';
import { ZkPaths } from '../../src/coordination/paths';
import { ZkClient } from '../../src/coordination/zk-client';
import { ZkNoAuthError } from '../../src/coordination/zk-errors';
import { readClusterState } from '../../src/local/cluster-state';
import { runChild, stopAllChildren } from '../helpers/child-processes';
import { runJosef } from '../helpers/cluster';
import { alive, clusterUp, clusterUpBasePort, type ClusterUp } from '../helpers/cluster-up';
import { expectSuccess, jsonLines, runPython } from '../helpers/kafka-clients';
import { quietLogger } from '../helpers/log';
import { rmDir, tmpDir } from '../helpers/tmp';
import { testChroot } from '../helpers/zk';

jest.setTimeout(240_000);

describe('josef cluster up --secure', () => {
  let dataDir: string;
  let up: ClusterUp | undefined;
  let basePort: number;
  let clientProperties: string;
  let settings: Record<string, string>;

  beforeAll(async () => {
    dataDir = tmpDir('cluster-up-secure');
    basePort = await clusterUpBasePort(2);
    up = await clusterUp(['--secure', '--brokers', '2', '--data-dir', dataDir, '--zookeeper', testChroot('cluster-up-secure'), '--base-port', String(basePort), '--no-console']);
    clientProperties = path.join(dataDir, 'client.properties');
    settings = Object.fromEntries(parseProperties(fs.readFileSync(clientProperties, 'utf8')).map((e) => [e.key, e.value]));
  });
  afterAll(async () => {
    await stopAllChildren();
    await up?.child.stop('SIGKILL');
    for (const pid of up?.pids ?? []) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmDir(dataDir);
  });

  /** client.properties as kcat's and confluent-kafka's -X options (the bootstrap list apart). */
  const asOptions = (): string[] => Object.entries(settings).filter(([key]) => key !== 'bootstrap.servers').flatMap(([key, value]) => ['-X', `${key}=${value}`]);

  test('prints what it set up, and writes client.properties in librdkafka\'s names for the admin, for its owner only', () => {
    const stdout = up?.child.stdout.toString() ?? '';
    expect(stdout).toMatch(/^Security: SASL_SSL with SCRAM-SHA-256 on every broker, for clients and between brokers; authorizer on$/m);
    expect(stdout).toMatch(new RegExp(`^1\\s+SASL_SSL://127\\.0\\.0\\.1:${basePort}\\s+\\d+`, 'm'));
    expect(stdout).toContain(`kcat -F ${clientProperties} -L`);
    expect(stdout).toContain(`--command-config ${clientProperties}`);
    expect(settings).toEqual({
      'bootstrap.servers': `127.0.0.1:${basePort},127.0.0.1:${basePort + 1}`,
      'security.protocol': 'SASL_SSL',
      'sasl.mechanisms': 'SCRAM-SHA-256',
      'sasl.username': 'admin',
      'sasl.password': expect.stringMatching(/^\S{12,}$/),
      'ssl.ca.location': path.join(dataDir, 'security', 'ca.pem'),
    });
    expect(fs.statSync(clientProperties).mode & 0o077).toBe(0);
    expect(fs.statSync(path.join(dataDir, 'security', 'server.properties')).mode & 0o077).toBe(0);
  });

  test('kcat -F, confluent-kafka and josef --command-config create, produce and consume with the admin\'s file', async () => {
    const listed = await runChild('kcat', ['-F', clientProperties, '-L'], 60_000);
    expectSuccess(listed, 'kcat -F client.properties -L');
    expect(listed.stdout.toString()).toMatch(/2 brokers:/);
    expectSuccess(await runJosef(['topic', 'create', 'secured', '--partitions', '1', '--replication-factor', '2', '--command-config', clientProperties]), 'josef topic create');
    const produced = await runPython('produce.py', [settings['bootstrap.servers'], 'secured', '--count', '5', '--prefix', 'py', ...asOptions()]);
    expect(jsonLines<{ acked?: string }>(produced).filter((line) => line.acked !== undefined)).toHaveLength(5);
    expectSuccess(await runJosef(['produce', 'secured', '--acks', 'all', '--command-config', clientProperties], 60_000, {}, 'josef\n'), 'josef produce');
    const consumed = await runChild('kcat', ['-F', clientProperties, '-C', '-t', 'secured', '-o', 'beginning', '-e', '-q'], 60_000);
    expectSuccess(consumed, 'kcat -F client.properties -C');
    expect(consumed.stdout.toString().split('\n').filter((l) => l !== '')).toEqual([...Array.from({ length: 5 }, (_, i) => `py-${i}`), 'josef']);
  });

  test('without credentials: kcat over TLS alone and josef over plaintext are refused', async () => {
    const kcat = await runChild('kcat', ['-b', `127.0.0.1:${basePort}`, '-L', '-m', '5', '-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${settings['ssl.ca.location']}`], 60_000);
    expect(kcat.code).not.toBe(0);
    expect(kcat.stderr).toMatch(/broker might require SASL authentication/);
    const josef = await runJosef(['topic', 'create', 'intruder', '--partitions', '1', '--replication-factor', '1', '--bootstrap-server', `127.0.0.1:${basePort}`]);
    expect(josef.code).not.toBe(0);
    expect(josef.stderr).toMatch(/no broker answered/);
    const listed = await runJosef(['topic', 'list', '--command-config', clientProperties]);
    expectSuccess(listed, 'josef topic list');
    expect(listed.stdout).not.toContain('intruder');
  });

  test('ZooKeeper is locked too: an outsider reads the cluster but writes nothing and reads no credentials, while josef commands given the data dir use its identity', async () => {
    const state = readClusterState(dataDir);
    expect(state).toBeDefined();
    const outsider = await ZkClient.connect({ connectString: state!.zookeeper.connect, logger: quietLogger });
    try {
      expect((await outsider.getChildren(ZkPaths.brokerIds)).sort()).toEqual(['1', '2']);
      await expect(outsider.delete(ZkPaths.controller, -1)).rejects.toBeInstanceOf(ZkNoAuthError);
      await expect(outsider.getData(ZkPaths.userConfig('admin'))).rejects.toBeInstanceOf(ZkNoAuthError);
    } finally {
      await outsider.close();
    }
    expect(fs.statSync(path.join(dataDir, 'zookeeper-digest')).mode & 0o077).toBe(0);
    expectSuccess(await runJosef(['user', 'add', 'carol', '--password', 'carol-secret', '--data-dir', dataDir], 60_000, { JOSEF_ZOOKEEPER_AUTH_DIGEST: '' }), 'josef user add --data-dir');
    const users = await runJosef(['user', 'list', '--data-dir', dataDir], 60_000, { JOSEF_ZOOKEEPER_AUTH_DIGEST: '' });
    expectSuccess(users, 'josef user list --data-dir');
    expect(users.stdout).toContain('carol');
  });
});
