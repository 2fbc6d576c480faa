/**
 * A broker with two listeners (in-process, real ZooKeeper chroot): a socket server on each, their
 * ports 0 resolved into what it registers in /brokers/ids, Metadata on each port answering with
 * that listener's addresses over Josef's protocol and over Kafka's (kcat), every listener closed
 * on shutdown, and a port in use named by its listener.
 */
import { execFile } from 'child_process';
import net from 'net';
import * as path from 'path';
import { Broker, BrokerStartupError } from '../../../src/broker';
import { Connection } from '../../../src/client/connection';
import { loadBrokerConfig } from '../../../src/common/config';
import { hostPort, type ListenerEndpoint } from '../../../src/common/endpoint';
import { ZkPaths } from '../../../src/coordination/paths';
import { ZkClient } from '../../../src/coordination/zk-client';
import { ApiKey } from '../../../src/protocol/api-keys';
import type { BrokerEndpoint } from '../../../src/protocol/messages';
import { quietLogger } from '../../helpers/log';
import { rmDir, tmpDir } from '../../helpers/tmp';
import { waitFor } from '../../helpers/wait';
import { testChroot } from '../../helpers/zk';

jest.setTimeout(60_000);

/** INTERNAL advertised as 127.0.0.1, EXTERNAL as localhost, both on free ports. */
const twoListeners = {
  listeners: 'INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:0',
  'advertised.listeners': 'INTERNAL://127.0.0.1:0,EXTERNAL://localhost:0',
  'listener.security.protocol.map': 'INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT',
  'inter.broker.listener.name': 'INTERNAL',
};

/** kcat -L's brokers, as its JSON lists them: id and host:port. */
function kcatBrokers(bootstrap: string): Promise<Array<{ id: number; name: string }>> {
  return new Promise((resolve, reject) => {
    execFile('kcat', ['-L', '-J', '-m', '10', '-b', bootstrap], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kcat -L -b ${bootstrap} failed: ${err.message}\n${stderr}`));
      else resolve((JSON.parse(stdout) as { brokers: Array<{ id: number; name: string }> }).brokers);
    });
  });
}

/** Resolves once nothing accepts connections at host:port. */
function refusesConnections(endpoint: { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(endpoint.port, endpoint.host === 'localhost' ? '127.0.0.1' : endpoint.host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('a broker with two listeners', () => {
  let dir: string;
  let zookeeperConnect: string;
  const brokers: Broker[] = [];
  const connections: Connection[] = [];

  const startBroker = async (settings: Record<string, string>): Promise<Broker> => {
    const { config } = loadBrokerConfig({
      env: {},
      flags: {
        'broker.id': '1', 'log.dirs': path.join(dir, 'data'), 'zookeeper.connect': zookeeperConnect, 'controlled.shutdown.enable': 'false', ...settings,
      },
    });
    const broker = new Broker({ config, logger: quietLogger });
    brokers.push(broker);
    await broker.startup();
    return broker;
  };
  const connect = async (endpoint: ListenerEndpoint): Promise<Connection> => {
    const connection = await Connection.connect(endpoint.host, endpoint.port, { clientId: 'listeners-test', requestTimeoutMs: 10_000 });
    connections.push(connection);
    return connection;
  };
  /** Metadata's brokers as a client on `endpoint` sees them, once the controller has told the broker about itself. */
  const metadataBrokers = async (endpoint: ListenerEndpoint): Promise<BrokerEndpoint[]> => {
    const connection = await connect(endpoint);
    return waitFor(async () => {
      const { brokers: listed } = await connection.send(ApiKey.Metadata, { topics: [], allowAutoTopicCreation: false });
      return listed.length > 0 ? listed : undefined;
    }, { timeoutMs: 20_000, message: `Metadata on ${endpoint.listenerName} to list the broker` });
  };

  beforeEach(() => {
    dir = tmpDir('listeners');
    zookeeperConnect = testChroot('listeners');
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.close()));
    for (const broker of brokers.splice(0)) await broker.shutdown();
    rmDir(dir);
  });

  it('listens on each, registers every endpoint with the ports bound, and answers Metadata with the addresses of the listener asked', async () => {
    const broker = await startBroker(twoListeners);
    const [internal, external] = broker.advertisedEndpoints;
    expect(internal).toMatchObject({ listenerName: 'INTERNAL', securityProtocol: 'PLAINTEXT', host: '127.0.0.1' });
    expect(external).toMatchObject({ listenerName: 'EXTERNAL', securityProtocol: 'PLAINTEXT', host: 'localhost' });
    expect([internal.port, external.port].every((port) => port > 0)).toBe(true);
    expect(internal.port).not.toBe(external.port);

    const zk = await ZkClient.connect({ connectString: zookeeperConnect, logger: quietLogger });
    try {
      const { value } = await zk.getJson<Record<string, unknown>>(ZkPaths.broker(1));
      expect(value).toMatchObject({
        version: 4,
        endpoints: [`INTERNAL://127.0.0.1:${internal.port}`, `EXTERNAL://localhost:${external.port}`],
        listener_security_protocol_map: { INTERNAL: 'PLAINTEXT', EXTERNAL: 'PLAINTEXT' },
        // Kafka's top-level host and port: the first PLAINTEXT endpoint.
        host: '127.0.0.1',
        port: internal.port,
      });
    } finally {
      await zk.close();
    }

    // Josef's protocol: the same broker, two answers.
    expect(await metadataBrokers(internal)).toEqual([{ nodeId: 1, host: '127.0.0.1', port: internal.port, rack: null }]);
    expect(await metadataBrokers(external)).toEqual([{ nodeId: 1, host: 'localhost', port: external.port, rack: null }]);
    // Kafka's protocol, through librdkafka.
    expect(await kcatBrokers(`127.0.0.1:${internal.port}`)).toEqual([{ id: 1, name: hostPort(internal) }]);
    expect(await kcatBrokers(`127.0.0.1:${external.port}`)).toEqual([{ id: 1, name: hostPort(external) }]);

    await broker.shutdown();
    expect(await refusesConnections(internal)).toBe(true);
    expect(await refusesConnections(external)).toBe(true);
  });

  it('fails to start when a listener\'s port is in use, naming the listener, and closes the listeners it had opened', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const heldPort = (holder.address() as net.AddressInfo).port;
    try {
      const starting = startBroker({ ...twoListeners, listeners: `INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:${heldPort}` });
      await expect(starting).rejects.toBeInstanceOf(BrokerStartupError);
      await expect(starting).rejects.toThrow(`port ${heldPort} on 127.0.0.1 is in use (listener EXTERNAL of listeners)`);
      const broker = brokers[brokers.length - 1];
      const [internal] = broker.advertisedEndpoints;
      expect(internal.port).toBeGreaterThan(0);
      expect(await refusesConnections(internal)).toBe(false);
      await broker.shutdown();
      expect(await refusesConnections(internal)).toBe(true);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});
