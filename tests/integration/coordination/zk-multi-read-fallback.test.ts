/**
 * getDataMany against a ZooKeeper that does not know multiRead (before 3.6): a loopback server
 * that answers as ZooKeeper 3.5 does (UNIMPLEMENTED, then it closes the connection; the session
 * lives on) and serves getData. The client must read every path one getData each, and ask
 * multiRead no more.
 */
import { createServer, type Server, type Socket } from 'net';
import { ZkClient } from '../../../src/coordination/zk-client';
import { frameSplitter } from '../../../src/coordination/zk-library';
import { pathsPerMultiRead } from '../../../src/coordination/zookeeper';
import { recordingLogger } from '../../helpers/log';

const statBytes = 68;

function frame(...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length);
  return Buffer.concat([length, body]);
}

function replyHeader(xid: number, err: number): Buffer {
  const header = Buffer.alloc(16);
  header.writeInt32BE(xid, 0);
  header.writeInt32BE(err, 12);
  return header;
}

/** ZooKeeper 3.5 as far as a session's getData, pings, close and an unknown op go; znodes hold their own path. */
class OldZooKeeper {
  readonly server: Server;
  multiReads = 0;
  connections = 0;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly znodes: Set<string>) {
    this.server = createServer((socket) => this.serve(socket));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let handshaken = false;
    socket.on('data', frameSplitter((request) => {
      if (!handshaken) {
        handshaken = true;
        // ConnectResponse: protocolVersion, timeOut, sessionId, passwd; one session whatever the connection.
        const response = Buffer.alloc(4 + 4 + 8);
        response.writeInt32BE(6_000, 4);
        response.writeBigInt64BE(0x35n, 8);
        socket.write(frame(response, Buffer.from([0, 0, 0, 16]), Buffer.alloc(16)));
        return;
      }
      const xid = request.readInt32BE(4);
      const type = request.readInt32BE(8);
      if (type === 4) {
        const path = request.toString('utf8', 16, 16 + request.readInt32BE(12));
        if (!this.znodes.has(path)) {
          socket.write(frame(replyHeader(xid, -101)));
          return;
        }
        const data = Buffer.from(path);
        const stat = Buffer.alloc(statBytes);
        stat.writeInt32BE(data.length, 52);
        socket.write(frame(replyHeader(xid, 0), Buffer.from([0, 0, 0, data.length]), data, stat));
      } else if (type === 11) {
        socket.write(frame(replyHeader(xid, 0)));
      } else if (type === -11) {
        socket.end(frame(replyHeader(xid, 0)));
      } else {
        // ZooKeeperServer hands an op it does not know to UnimplementedRequestProcessor: the error, then the connection closed.
        if (type === 22) this.multiReads++;
        socket.end(frame(replyHeader(xid, -6)));
      }
    }));
  }
}

describe('getDataMany from a ZooKeeper before 3.6', () => {
  let old: OldZooKeeper;
  let client: ZkClient | undefined;

  afterEach(async () => {
    await client?.close();
    await old.close();
  });

  it('reads one getData each after the first UNIMPLEMENTED, also what was in flight on the closed connection, and asks multiRead no more', async () => {
    const paths = Array.from({ length: pathsPerMultiRead + 5 }, (_, i) => `/z${i}`);
    old = new OldZooKeeper(new Set(paths.filter((_, i) => i % 7 !== 0)));
    const port = await old.listen();
    const logger = recordingLogger();
    client = await ZkClient.connect({ connectString: `127.0.0.1:${port}`, sessionTimeoutMs: 6_000, logger });

    // Two multiReads in flight: one answered UNIMPLEMENTED, the other lost with the connection.
    const read = await client.getDataMany(paths);
    expect(read.map((node) => node?.data.toString())).toEqual(paths.map((path, i) => (i % 7 === 0 ? undefined : path)));
    const multiReadsAsked = old.multiReads;
    expect(multiReadsAsked).toBeGreaterThanOrEqual(1);
    expect(old.connections).toBe(2);
    expect(logger.lines.filter((line) => line.includes('does not know multiRead'))).toHaveLength(1);

    expect((await client.getDataMany(['/z1', '/z0'])).map((node) => node?.data.toString())).toEqual(['/z1', undefined]);
    expect(old.multiReads).toBe(multiReadsAsked);
    expect(old.connections).toBe(2);
  });
});
