/**
 * SocketServer and Connection over loopback with toy handlers: ordering, pipelining (Produces
 * waiting for acks overlap, answers stay in order), acks=0,
 * failing handlers, bad frames that cost only their own connection, and a draining close().
 */
import net from 'net';
import { Connection } from '../../../src/client/connection';
import { ErrorCode, JosefError } from '../../../src/common/errors';
import { createLogger } from '../../../src/common/logger';
import { ApiKey } from '../../../src/protocol/api-keys';
import { FRAME_LENGTH_BYTES, decodeResponse, encodeRequest, type DecodedResponse } from '../../../src/protocol/frame';
import { FrameDecoder } from '../../../src/protocol/frame-decoder';
import type { MetadataResponse, ProduceRequest, ProduceResponse } from '../../../src/protocol/messages';
import { Dispatcher } from '../../../src/server/dispatcher';
import { SocketServer, type SocketServerOptions } from '../../../src/server/socket-server';
import { waitFor } from '../../helpers/wait';

const host = '127.0.0.1';

/** A promise the test resolves by hand: how a handler is held "in flight". */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

function metadataEcho(topics: string[] | null): MetadataResponse {
  return {
    brokers: [],
    clusterId: null,
    controllerId: -1,
    topics: (topics ?? []).map((name) => ({ errorCode: 0, name, isInternal: false, partitions: [] })),
  };
}

function produceAnswer(request: ProduceRequest): ProduceResponse {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partition: p.partition, errorCode: 0, baseOffset: p.records.length, logAppendTimeMs: -1, logStartOffset: 0,
      })),
    })),
  };
}

function produceRequest(topic: string, acks: 0 | 1 | -1, records: Buffer = Buffer.from('r')): ProduceRequest {
  return { acks, timeoutMs: 1000, topics: [{ name: topic, partitions: [{ partition: 0, records }] }] };
}

interface Harness {
  server: SocketServer;
  port: number;
  dispatcher: Dispatcher;
  logLines: string[];
  connect(): Promise<Connection>;
}

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startHarness(options: Partial<SocketServerOptions> = {}): Promise<Harness> {
  const logLines: string[] = [];
  const logger = createLogger('test', (line) => logLines.push(line));
  const dispatcher = new Dispatcher(logger);
  const server = new SocketServer({ host, port: 0, dispatcher, logger, closeLingerMs: 500, ...options });
  const port = await server.start();
  cleanups.push(() => server.close());
  const connect = async (): Promise<Connection> => {
    const conn = await Connection.connect(host, port, { clientId: 'test', logger });
    cleanups.push(() => conn.close());
    return conn;
  };
  return { server, port, dispatcher, logLines, connect };
}

/** A bare TCP client that writes what it is given and collects decoded responses until closed. */
async function rawClient(port: number): Promise<{ socket: net.Socket; responses: DecodedResponse[]; closed: Promise<void> }> {
  const socket = net.connect({ host, port });
  await new Promise((resolve) => socket.once('connect', resolve));
  cleanups.push(() => {
    socket.destroy();
  });
  const responses: DecodedResponse[] = [];
  const decoder = new FrameDecoder(4 * 1024 * 1024, 'responses');
  socket.on('data', (chunk: Buffer) => {
    decoder.push(chunk);
    for (let frame = decoder.next(); frame; frame = decoder.next()) responses.push(decodeResponse(frame));
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, responses, closed };
}

function lengthPrefixed(value: Buffer): Buffer {
  const prefix = Buffer.alloc(FRAME_LENGTH_BYTES);
  prefix.writeUInt32BE(value.length, 0);
  return Buffer.concat([prefix, value]);
}

async function expectJosefError(promise: Promise<unknown>, code: number): Promise<JosefError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(JosefError);
  expect((err as JosefError).code).toBe(code);
  return err as JosefError;
}

describe('SocketServer with Connection over loopback', () => {
  it('answers pipelined requests in order, each matched to its correlation id', async () => {
    const h = await startHarness();
    const started: string[] = [];
    h.dispatcher.register(ApiKey.Metadata, async (body) => {
      started.push(body.topics![0]);
      // Later requests finish faster: only serial handling keeps the answers in order.
      const turns = 100 - started.length;
      for (let i = 0; i < turns % 7; i++) await new Promise((resolve) => setImmediate(resolve));
      return metadataEcho(body.topics);
    });
    const conn = await h.connect();
    const names = Array.from({ length: 100 }, (_, i) => `topic-${i}`);
    const settled: string[] = [];
    const responses = await Promise.all(
      names.map((name) =>
        conn.send(ApiKey.Metadata, { topics: [name], allowAutoTopicCreation: false }).then((r) => {
          settled.push(r.topics[0].name);
          return r;
        }),
      ),
    );
    expect(responses.map((r) => r.topics[0].name)).toEqual(names);
    expect(settled).toEqual(names);
    expect(started).toEqual(names);
  });

  it('lets a Produce waiting for its acks be followed by the next Produce, and still answers in order', async () => {
    const h = await startHarness();
    const acks = new Map<string, ReturnType<typeof gate>>();
    const appended: string[] = [];
    h.dispatcher.register(ApiKey.Produce, async (body, ctx) => {
      const topic = body.topics[0].name;
      appended.push(topic);
      const wait = gate();
      acks.set(topic, wait);
      ctx.onWaitingForAcks?.();
      await wait.promise;
      return produceAnswer(body);
    }, { pipelined: true });
    const conn = await h.connect();
    const settled: string[] = [];
    const sends = ['a', 'b', 'c'].map((topic) => conn.send(ApiKey.Produce, produceRequest(topic, -1)).then((r) => settled.push(r.topics[0].name)));
    // All three appended while the first still waits: a follower's fetch can carry them together.
    await waitFor(() => appended.length === 3, { timeoutMs: 5000, message: 'all three Produces to be appended' });
    expect(appended).toEqual(['a', 'b', 'c']);
    acks.get('c')!.open();
    acks.get('b')!.open();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toEqual([]); // b and c are answered only after a
    acks.get('a')!.open();
    await Promise.all(sends);
    expect(settled).toEqual(['a', 'b', 'c']);
  });

  it('hands a waiting Produce\'s pooled frame back once: the Produces queued behind it keep their bytes', async () => {
    // Frames of 8 KiB and more that straddle socket reads are assembled in pooled memory, handed back
    // when their Produce waits for acks. Handed back again when answered, that memory was by then a
    // later Produce's, still queued (two may wait at once here), and the next frame read overwrote it.
    const h = await startHarness({ queuedRequestsMax: 2 });
    const frameBytes = 100_000;
    const count = 16;
    const records = (i: number): Buffer => Buffer.alloc(frameBytes, i + 1);
    const acks = Array.from({ length: count }, () => gate());
    const seen: number[] = [];
    const corrupt: number[] = [];
    h.dispatcher.register(ApiKey.Produce, async (body, ctx) => {
      const i = Number(body.topics[0].name);
      seen.push(i);
      if (!body.topics[0].partitions[0].records.equals(records(i))) corrupt.push(i);
      ctx.onWaitingForAcks?.();
      await acks[i].promise;
      return produceAnswer(body);
    }, { pipelined: true });
    // Frames longer than a socket read (64 KiB) are always assembled, so in pooled memory; one write of them all.
    const raw = await rawClient(h.port);
    const frames: Buffer[] = Array.from({ length: count }, (_, i) =>
      encodeRequest({ apiKey: ApiKey.Produce, apiVersion: 0, correlationId: i, clientId: 'raw' }, produceRequest(String(i), -1, records(i))));
    raw.socket.write(Buffer.concat(frames));
    // Each answered once the one after it waits too: two wait, and those behind them are read.
    for (let i = 0; i < count; i++) {
      await waitFor(() => seen.length > Math.min(i + 1, count - 1), { timeoutMs: 5000, message: `Produce ${i + 1} to be appended` });
      acks[i].open();
    }
    await waitFor(() => raw.responses.length === count, { timeoutMs: 5000, message: 'every Produce to be answered' });
    expect(raw.responses.map((r) => r.correlationId)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(seen).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(corrupt).toEqual([]);
  });

  it('handles any other request only after the Produces before it are answered', async () => {
    const h = await startHarness();
    const produceAcked = gate();
    const order: string[] = [];
    h.dispatcher.register(ApiKey.Produce, async (body, ctx) => {
      order.push('produce appended');
      ctx.onWaitingForAcks?.();
      await produceAcked.promise;
      order.push('produce acked');
      return produceAnswer(body);
    }, { pipelined: true });
    h.dispatcher.register(ApiKey.Metadata, (body) => {
      order.push('metadata');
      return metadataEcho(body.topics);
    });
    const conn = await h.connect();
    const produced = conn.send(ApiKey.Produce, produceRequest('t', -1));
    const metadata = conn.send(ApiKey.Metadata, { topics: ['t'], allowAutoTopicCreation: false });
    await waitFor(() => order.length === 1, { timeoutMs: 5000, message: 'the Produce to be appended' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(order).toEqual(['produce appended']);
    produceAcked.open();
    await Promise.all([produced, metadata]);
    expect(order).toEqual(['produce appended', 'produce acked', 'metadata']);
  });

  it('handles a Produce that does not wait for acks (acks=1) before reading the next request', async () => {
    const h = await startHarness();
    const hold = gate();
    const started: string[] = [];
    h.dispatcher.register(ApiKey.Produce, async (body) => {
      started.push(body.topics[0].name);
      await hold.promise; // never calls onWaitingForAcks: the next request waits for this one
      return produceAnswer(body);
    }, { pipelined: true });
    const conn = await h.connect();
    const sends = ['x', 'y'].map((topic) => conn.send(ApiKey.Produce, produceRequest(topic, 1)));
    await waitFor(() => started.length === 1, { timeoutMs: 5000, message: 'the first Produce to start' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(started).toEqual(['x']);
    hold.open();
    await Promise.all(sends);
    expect(started).toEqual(['x', 'y']);
  });

  it('answers a Produce handled at once (no promise) only after the Produce before it that waits for its acks', async () => {
    const h = await startHarness();
    const acked = gate();
    const appended: string[] = [];
    h.dispatcher.register(ApiKey.Produce, (body, ctx) => {
      appended.push(body.topics[0].name);
      if (body.acks !== -1) return produceAnswer(body); // acks=1: answered in the same turn
      ctx.onWaitingForAcks?.();
      return acked.promise.then(() => produceAnswer(body));
    }, { pipelined: true });
    const conn = await h.connect();
    const settled: string[] = [];
    const sends = ([['a', -1], ['b', 1], ['c', 1]] as const).map(([topic, acks]) => conn.send(ApiKey.Produce, produceRequest(topic, acks)).then((r) => settled.push(r.topics[0].name)));
    await waitFor(() => appended.length === 2, { timeoutMs: 5000, message: 'a and b to be appended' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toEqual([]); // b is answered after a, and c is read only once b is answered
    expect(appended).toEqual(['a', 'b']);
    acked.open();
    await Promise.all(sends);
    expect(settled).toEqual(['a', 'b', 'c']);
    // With nothing waiting, Produces answered at once keep their order too.
    const more = await Promise.all(['d', 'e', 'f'].map((topic) => conn.send(ApiKey.Produce, produceRequest(topic, 1))));
    expect(more.map((r) => r.topics[0].name)).toEqual(['d', 'e', 'f']);
  });

  it('sends nothing for a null result (acks=0) and keeps answering the requests after it', async () => {
    const h = await startHarness();
    const produced: number[] = [];
    h.dispatcher.register(ApiKey.Produce, (body) => {
      produced.push(body.acks);
      return body.acks === 0 ? null : produceAnswer(body);
    });
    const conn = await h.connect();
    await expect(conn.send(ApiKey.Produce, produceRequest('t', 0), { expectResponse: false })).resolves.toBeUndefined();
    const answer = await conn.send(ApiKey.Produce, produceRequest('t', 1, Buffer.from('abc')));
    expect(answer.topics[0].partitions[0].baseOffset).toBe(3);
    expect(produced).toEqual([0, 1]);
    expect(conn.inFlightRequests).toBe(0);
  });

  it('turns a throwing handler into an error code, logs it, and keeps serving the connection', async () => {
    const h = await startHarness();
    h.dispatcher.register(ApiKey.Produce, (body) => {
      if (body.topics[0].name === 'not-led-here') throw new JosefError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'not-led-here-0');
      if (body.topics[0].name === 'bug') throw new TypeError('boom');
      return produceAnswer(body);
    });
    const conn = await h.connect();
    await expectJosefError(conn.send(ApiKey.Produce, produceRequest('not-led-here', 1)), ErrorCode.NOT_LEADER_OR_FOLLOWER.code);
    await expectJosefError(conn.send(ApiKey.Produce, produceRequest('bug', 1)), ErrorCode.UNKNOWN_SERVER_ERROR.code);
    await expect(conn.send(ApiKey.Produce, produceRequest('fine', 1))).resolves.toMatchObject({ throttleTimeMs: 0 });
    expect(h.logLines.some((l) => l.includes('WARN') && l.includes('NOT_LEADER_OR_FOLLOWER: not-led-here-0'))).toBe(true);
    expect(h.logLines.some((l) => l.includes('ERROR') && l.includes('TypeError: boom') && l.includes('    at '))).toBe(true);
    expect(conn.closed).toBe(false);
  });

  it('answers an unknown API or version with UNSUPPORTED_VERSION and keeps the connection', async () => {
    const h = await startHarness();
    h.dispatcher.register(ApiKey.Metadata, (body) => metadataEcho(body.topics));
    const conn = await h.connect();
    await expectJosefError(conn.send(ApiKey.DeleteTopics, { topicNames: ['x'], timeoutMs: 1000 }), ErrorCode.UNSUPPORTED_VERSION.code);
    const raw = await rawClient(h.port);
    raw.socket.write(encodeRequest({ apiKey: ApiKey.Metadata, apiVersion: 9, correlationId: 5, clientId: null }, { topics: null }));
    await waitFor(() => raw.responses.length === 1, { timeoutMs: 5000, message: 'the answer to a v9 Metadata' });
    expect(raw.responses[0]).toEqual({ correlationId: 5, body: { errorCode: ErrorCode.UNSUPPORTED_VERSION.code } });
    await expect(conn.send(ApiKey.Metadata, { topics: ['a'], allowAutoTopicCreation: false })).resolves.toMatchObject({
      topics: [{ name: 'a' }],
    });
  });

  it('closes only the connection whose first frame is neither a msgpack array nor a Kafka request', async () => {
    const h = await startHarness();
    h.dispatcher.register(ApiKey.Metadata, (body) => metadataEcho(body.topics));
    const good = await h.connect();
    const raw = await rawClient(h.port);
    raw.socket.write(lengthPrefixed(Buffer.from([0xc1, 0xff, 0x00, 0x13, 0x37])));
    await raw.closed;
    expect(raw.responses).toEqual([]);
    await expect(good.send(ApiKey.Metadata, { topics: ['still-here'], allowAutoTopicCreation: false })).resolves.toMatchObject({
      topics: [{ name: 'still-here' }],
    });
    expect(h.logLines.some((l) => l.includes('WARN') && l.includes('not a Josef request (a msgpack array)'))).toBe(true);
  });

  it('answers a malformed request whose correlation id is readable with INVALID_REQUEST, then closes', async () => {
    const h = await startHarness();
    h.dispatcher.register(ApiKey.Metadata, (body) => metadataEcho(body.topics));
    const raw = await rawClient(h.port);
    const ok = encodeRequest({ apiKey: ApiKey.Metadata, apiVersion: 0, correlationId: 1, clientId: 'raw' }, { topics: ['a'] });
    // [3, 0, 9, nil, 5]: the body is not a map.
    raw.socket.write(Buffer.concat([ok, lengthPrefixed(Buffer.from([0x95, 0x03, 0x00, 0x09, 0xc0, 0x05])), ok]));
    await raw.closed;
    expect(raw.responses.map((r) => r.correlationId)).toEqual([1, 9]);
    expect(raw.responses[1].body).toEqual({ errorCode: ErrorCode.INVALID_REQUEST.code });
  });

  it('answers an oversized frame with MESSAGE_TOO_LARGE before reading its body, and closes only that connection', async () => {
    const h = await startHarness({ maxRequestBytes: 1024 });
    h.dispatcher.register(ApiKey.Produce, (body) => produceAnswer(body));
    const good = await h.connect();
    const raw = await rawClient(h.port);
    const big = encodeRequest({ apiKey: ApiKey.Produce, apiVersion: 0, correlationId: 77, clientId: 'raw' }, produceRequest('t', 1, Buffer.alloc(5000)));
    raw.socket.write(big.subarray(0, 64)); // the rest never comes
    await raw.closed;
    expect(raw.responses).toEqual([{ correlationId: 77, body: { errorCode: ErrorCode.MESSAGE_TOO_LARGE.code } }]);

    // Through a Connection: the request fails with the code and the connection closes.
    const victim = await h.connect();
    const closed = new Promise((resolve) => victim.once('close', resolve));
    await expectJosefError(victim.send(ApiKey.Produce, produceRequest('t', 1, Buffer.alloc(5000))), ErrorCode.MESSAGE_TOO_LARGE.code);
    await closed;
    expect(victim.closed).toBe(true);
    await expect(good.send(ApiKey.Produce, produceRequest('t', 1, Buffer.alloc(100)))).resolves.toMatchObject({ throttleTimeMs: 0 });
  });

  it('bounds the requests queued per connection and still answers them all in order', async () => {
    const h = await startHarness({ queuedRequestsMax: 2 });
    const hold = gate();
    let handled = 0;
    h.dispatcher.register(ApiKey.Metadata, async (body) => {
      handled += 1;
      if (handled === 1) await hold.promise;
      return metadataEcho(body.topics);
    });
    const conn = await h.connect();
    const names = Array.from({ length: 50 }, (_, i) => `t${i}`);
    const all = Promise.all(names.map((n) => conn.send(ApiKey.Metadata, { topics: [n], allowAutoTopicCreation: false })));
    await waitFor(() => handled === 1, { timeoutMs: 5000, message: 'the first request to be in flight' });
    hold.open();
    expect((await all).map((r) => r.topics[0].name)).toEqual(names);
  });

  it('stops handling requests while the client does not read its responses', async () => {
    const h = await startHarness();
    let handled = 0;
    const payload = Buffer.alloc(1024 * 1024, 1);
    h.dispatcher.register(ApiKey.Fetch, () => {
      handled += 1;
      return { throttleTimeMs: 0, errorCode: 0, topics: [{ name: 't', partitions: [{ partition: 0, errorCode: 0, highWatermark: 0, logStartOffset: 0, logEndOffset: 0, records: payload }] }] };
    });
    const raw = await rawClient(h.port);
    raw.socket.pause();
    const requests = 200;
    for (let id = 0; id < requests; id++) {
      raw.socket.write(encodeRequest({ apiKey: ApiKey.Fetch, apiVersion: 0, correlationId: id, clientId: null }, { topics: [] }));
    }
    // Poll until the count stops moving: the kernel's buffers hold a few responses, not 200 MiB.
    let last = -1;
    let stableChecks = 0;
    await waitFor(
      () => {
        stableChecks = handled === last ? stableChecks + 1 : 0;
        last = handled;
        return stableChecks >= 5;
      },
      { timeoutMs: 10_000, intervalMs: 50, message: 'the server to stop handling requests' },
    );
    expect(handled).toBeLessThan(requests / 2);
    raw.socket.resume();
    await waitFor(() => raw.responses.length === requests, { timeoutMs: 20_000, message: 'all responses once reading resumed' });
    expect(raw.responses.map((r) => r.correlationId)).toEqual(Array.from({ length: requests }, (_, i) => i));
  });

  it('refuses connections beyond max.connections', async () => {
    const h = await startHarness({ maxConnections: 1 });
    h.dispatcher.register(ApiKey.Metadata, (body) => metadataEcho(body.topics));
    const first = await h.connect();
    await waitFor(() => h.server.connectionCount === 1, { timeoutMs: 5000, message: 'the first connection' });
    const second = await h.connect().catch((err: unknown) => err);
    if (second instanceof Connection) await waitFor(() => second.closed, { timeoutMs: 5000, message: 'the second connection to be closed' });
    expect(h.logLines.some((l) => l.includes('max.connections (1) reached'))).toBe(true);
    await expect(first.send(ApiKey.Metadata, { topics: ['a'], allowAutoTopicCreation: false })).resolves.toBeDefined();
  });

  it('close() stops accepting, answers the request in flight, drops queued ones, then closes', async () => {
    const h = await startHarness();
    const hold = gate();
    let handled = 0;
    h.dispatcher.register(ApiKey.Metadata, async (body) => {
      handled += 1;
      await hold.promise;
      return metadataEcho(body.topics);
    });
    const conn = await h.connect();
    const inFlight = conn.send(ApiKey.Metadata, { topics: ['slow'], allowAutoTopicCreation: false });
    const queued = conn.send(ApiKey.Metadata, { topics: ['queued'], allowAutoTopicCreation: false });
    await waitFor(() => handled === 1, { timeoutMs: 5000, message: 'the slow request to be in flight' });
    let closeDone = false;
    const closing = h.server.close().then(() => {
      closeDone = true;
    });
    await expectJosefError(Connection.connect(host, h.port, { clientId: 'late' }), ErrorCode.NETWORK_EXCEPTION.code);
    expect(closeDone).toBe(false);
    hold.open();
    await expect(inFlight).resolves.toMatchObject({ topics: [{ name: 'slow' }] });
    await expectJosefError(queued, ErrorCode.NETWORK_EXCEPTION.code);
    await closing;
    expect(handled).toBe(1);
    await waitFor(() => conn.closed, { timeoutMs: 5000, message: 'the client to see the close' });
  });
});
