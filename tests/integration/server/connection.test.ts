/**
 * Connection against scripted loopback peers: connect failures and timeouts, responses out of
 * order, request timeouts, a peer that closes, a peer that never reads, an oversize response.
 */
import net from 'net';
import { Connection } from '../../../src/client/connection';
import { ErrorCode, JosefError } from '../../../src/common/errors';
import { createLogger } from '../../../src/common/logger';
import { ApiKey } from '../../../src/protocol/api-keys';
import { decodeRequest, encodeResponse, type DecodedRequest } from '../../../src/protocol/frame';
import { FrameDecoder } from '../../../src/protocol/frame-decoder';
import { waitFor } from '../../helpers/wait';

const host = '127.0.0.1';
const logger = createLogger('test', () => {});

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A peer that hands each decoded request, with its socket, to `onRequest`. */
async function scriptedPeer(onRequest: (request: DecodedRequest, socket: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    const decoder = new FrameDecoder(64 * 1024 * 1024, 'requests');
    socket.on('data', (chunk: Buffer) => {
      decoder.push(chunk);
      for (let frame = decoder.next(); frame; frame = decoder.next()) onRequest(decodeRequest(frame), socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as net.AddressInfo).port;
}

async function connect(port: number, options: Partial<Parameters<typeof Connection.connect>[2]> = {}): Promise<Connection> {
  const conn = await Connection.connect(host, port, { clientId: 'test', logger, ...options });
  cleanups.push(() => conn.close());
  return conn;
}

async function rejection(promise: Promise<unknown>): Promise<JosefError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(JosefError);
  return err as JosefError;
}

const metadata = { topics: ['t'], allowAutoTopicCreation: false };

describe('Connection', () => {
  it('fails to connect to a closed port with NETWORK_EXCEPTION', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const err = await rejection(Connection.connect(host, port, { clientId: 'test', logger }));
    expect(err.code).toBe(ErrorCode.NETWORK_EXCEPTION.code);
    expect(err.message).toContain(`cannot connect to ${host}:${port}`);
  });

  it('gives up connecting after connectTimeoutMs (socket factory injected)', async () => {
    const neverConnects = new net.Socket();
    const err = await rejection(
      Connection.connect('10.255.255.1', 9092, { clientId: 'test', logger, connectTimeoutMs: 50, socketFactory: () => neverConnects }),
    );
    expect(err.code).toBe(ErrorCode.NETWORK_EXCEPTION.code);
    expect(err.message).toContain('connecting to 10.255.255.1:9092 timed out after 50 ms');
    expect(neverConnects.destroyed).toBe(true);
  });

  it('matches responses that arrive out of order to their requests by correlation id', async () => {
    const held: { request: DecodedRequest; socket: net.Socket }[] = [];
    const port = await scriptedPeer((request, socket) => {
      held.push({ request, socket });
      if (held.length < 3) return;
      for (const { request: r, socket: s } of held.reverse()) {
        s.write(encodeResponse(r.correlationId, { brokers: [], clusterId: null, controllerId: -1, topics: r.body.topics }));
      }
    });
    const conn = await connect(port);
    const answers = await Promise.all(
      ['a', 'b', 'c'].map((name) => conn.send(ApiKey.Metadata, { topics: [name] as never, allowAutoTopicCreation: false })),
    );
    expect(answers.map((a) => a.topics)).toEqual([['a'], ['b'], ['c']]);
    expect(held.map((h) => h.request.clientId)).toEqual(['test', 'test', 'test']);
    expect(held.map((h) => h.request.correlationId).sort()).toEqual([0, 1, 2]);
  });

  it('rejects a request that times out with REQUEST_TIMED_OUT and closes, failing the rest', async () => {
    const port = await scriptedPeer(() => {});
    const conn = await connect(port);
    const closed = new Promise<JosefError>((resolve) => conn.once('close', resolve));
    const other = conn.send(ApiKey.Metadata, metadata, { timeoutMs: 10_000 });
    const timedOut = await rejection(conn.send(ApiKey.Metadata, metadata, { timeoutMs: 50 }));
    expect(timedOut.code).toBe(ErrorCode.REQUEST_TIMED_OUT.code);
    expect(timedOut.message).toContain(`Metadata request 1 to ${host}:${port} timed out after 50 ms`);
    expect((await rejection(other)).code).toBe(ErrorCode.NETWORK_EXCEPTION.code);
    expect((await closed).code).toBe(ErrorCode.NETWORK_EXCEPTION.code);
    expect(conn.closed).toBe(true);
    expect((await rejection(conn.send(ApiKey.Metadata, metadata))).code).toBe(ErrorCode.NETWORK_EXCEPTION.code);
  });

  it('rejects everything pending when the peer closes, and emits close', async () => {
    let seen = 0;
    const port = await scriptedPeer((_request, socket) => {
      seen += 1;
      if (seen === 3) socket.destroy();
    });
    const conn = await connect(port);
    const closeEvents: JosefError[] = [];
    conn.on('close', (cause) => closeEvents.push(cause));
    const errors = await Promise.all([1, 2, 3].map(() => rejection(conn.send(ApiKey.Metadata, metadata))));
    for (const err of errors) {
      expect(err.code).toBe(ErrorCode.NETWORK_EXCEPTION.code);
      expect(err.message).toContain(`connection to ${host}:${port} closed`);
    }
    await waitFor(() => closeEvents.length === 1, { timeoutMs: 5000, message: 'the close event' });
    expect(conn.closed).toBe(true);
  });

  it('resolves expectResponse:false sends at once and ignores answers nobody waits for', async () => {
    const port = await scriptedPeer((request, socket) => {
      socket.write(encodeResponse(request.correlationId, { throttleTimeMs: 0, topics: [] }));
    });
    const conn = await connect(port);
    await expect(
      conn.send(ApiKey.Produce, { acks: 0, timeoutMs: 0, topics: [] }, { expectResponse: false }),
    ).resolves.toBeUndefined();
    await expect(conn.send(ApiKey.Produce, { acks: 1, timeoutMs: 0, topics: [] })).resolves.toEqual({ throttleTimeMs: 0, topics: [] });
    expect(conn.inFlightRequests).toBe(0);
  });

  it('refuses to queue past sendBufferBytesMax when the peer does not read', async () => {
    const stalled = await new Promise<number>((resolve) => {
      // A peer that accepts and never reads: the kernel's buffers fill, then Node's.
      const server = net.createServer((socket) => {
        socket.pause();
        cleanups.push(() => {
          socket.destroy();
        });
      });
      server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port));
      cleanups.push(() => new Promise((r) => server.close(r)));
    });
    const conn = await connect(stalled, { sendBufferBytesMax: 4 * 1024 * 1024 });
    const records = Buffer.alloc(1024 * 1024);
    let refused: JosefError | undefined;
    for (let i = 0; i < 500 && refused === undefined; i++) {
      await conn
        .send(ApiKey.Produce, { acks: 0, timeoutMs: 0, topics: [{ name: 't', partitions: [{ partition: 0, records }] }] }, { expectResponse: false })
        .catch((err: JosefError) => {
          refused = err;
        });
    }
    expect(refused?.code).toBe(ErrorCode.NETWORK_EXCEPTION.code);
    expect(refused?.message).toMatch(/send buffer to .* full/);
    expect(conn.closed).toBe(false);
  });

  it('closes on a response frame over maxFrameBytes', async () => {
    const port = await scriptedPeer((request, socket) => {
      socket.write(encodeResponse(request.correlationId, { blob: Buffer.alloc(4096) }));
    });
    const conn = await connect(port, { maxFrameBytes: 1024 });
    const err = await rejection(conn.send(ApiKey.Metadata, metadata));
    expect(err.code).toBe(ErrorCode.NETWORK_EXCEPTION.code);
    expect(err.message).toContain('over the maximum of 1024 bytes');
    expect(conn.closed).toBe(true);
  });
});
