/**
 * The controller's TCP channel against a real broker-side socket server: requests arrive in the
 * order sent, are retried until a broker that was down comes up, answers reach the sender, and a
 * queue that overflows is dropped whole with a request to resync the broker.
 */
import net from 'net';
import { Connection } from '../../../src/client/connection';
import { createLogger } from '../../../src/common/logger';
import { TcpControllerChannel } from '../../../src/coordination/controller/controller-channel';
import { ApiKey } from '../../../src/protocol/api-keys';
import type { UpdateMetadataRequest } from '../../../src/protocol/messages';
import { Dispatcher } from '../../../src/server/dispatcher';
import { SocketServer } from '../../../src/server/socket-server';
import { waitFor } from '../../helpers/wait';

const logger = createLogger('test', () => undefined);
const host = '127.0.0.1';
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A broker stand-in that records the controller epochs of the UpdateMetadata requests it gets. */
async function fakeBroker(port = 0): Promise<{ port: number; received: number[] }> {
  const received: number[] = [];
  const dispatcher = new Dispatcher(logger);
  dispatcher.register(ApiKey.UpdateMetadata, (body) => {
    received.push(body.controllerEpoch);
    return { errorCode: 0 };
  });
  dispatcher.register(ApiKey.StopReplica, (body) => ({ errorCode: 0, partitions: body.partitions.map((p) => ({ ...p, errorCode: 0 })) }));
  const server = new SocketServer({ host, port, dispatcher, logger });
  const bound = await server.start();
  cleanups.push(() => server.close());
  return { port: bound, received };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const updateMetadata = (controllerEpoch: number): UpdateMetadataRequest => ({
  controllerId: 1, controllerEpoch, brokerEpoch: 1, partitionStates: [], liveBrokers: [], deletedTopics: [],
});

function channel(overflows: number[] = [], queuedRequestsMax?: number): TcpControllerChannel {
  const c = new TcpControllerChannel({
    logger, onQueueOverflow: (id) => overflows.push(id), queuedRequestsMax, retryBackoffMs: 50,
    connect: (broker) => Connection.connect(broker.host, broker.port, { clientId: 'controller-1', requestTimeoutMs: 30_000, logger }),
  });
  cleanups.push(() => c.close());
  return c;
}

describe('controller channel', () => {
  it('delivers requests in the order sent and hands back the answers', async () => {
    const broker = await fakeBroker();
    const c = channel();
    c.addBroker({ id: 2, host, port: broker.port });
    for (let epoch = 1; epoch <= 50; epoch++) c.send(2, ApiKey.UpdateMetadata, updateMetadata(epoch));
    let answer: unknown;
    c.send(2, ApiKey.StopReplica, { controllerId: 1, controllerEpoch: 50, brokerEpoch: 1, deletePartitions: true, partitions: [{ topic: 't', partition: 0 }] }, (r) => { answer = r; });
    await waitFor(() => answer, { timeoutMs: 5_000, message: 'the StopReplica answer' });
    expect(broker.received).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(answer).toEqual({ errorCode: 0, partitions: [{ topic: 't', partition: 0, errorCode: 0 }] });
  });

  it('keeps retrying the head request until the broker comes up', async () => {
    const port = await freePort();
    const c = channel();
    c.addBroker({ id: 3, host, port });
    c.send(3, ApiKey.UpdateMetadata, updateMetadata(1));
    c.send(3, ApiKey.UpdateMetadata, updateMetadata(2));
    await new Promise((resolve) => setTimeout(resolve, 300)); // a few refused connection attempts
    const broker = await fakeBroker(port);
    await waitFor(() => broker.received.length === 2, { timeoutMs: 5_000, message: 'both requests after the broker came up' });
    expect(broker.received).toEqual([1, 2]);
  });

  it('drops a queue that overflows and asks for the broker to be resynced; a removed broker gets nothing', async () => {
    const port = await freePort();
    const overflows: number[] = [];
    const c = channel(overflows, 3);
    c.addBroker({ id: 4, host, port });
    for (let epoch = 1; epoch <= 4; epoch++) c.send(4, ApiKey.UpdateMetadata, updateMetadata(epoch));
    expect(overflows).toEqual([4]);
    const broker = await fakeBroker(port);
    await waitFor(() => broker.received.length === 1, { timeoutMs: 5_000, message: 'the request sent after the overflow' });
    expect(broker.received).toEqual([4]);
    c.removeBroker(4);
    c.send(4, ApiKey.UpdateMetadata, updateMetadata(5));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(broker.received).toEqual([4]);
  });
});
