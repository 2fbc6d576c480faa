/**
 * A loopback TCP proxy that a test can cut, freeze and restore: the way to partition one client
 * from a server that stays up (e.g. to let a ZooKeeper session expire while its client is cut
 * off). While cut, live connections are dropped and new ones closed as soon as they arrive. While
 * frozen, connections stay open and nothing is forwarded either way, as with a server held by
 * SIGSTOP: the bytes wait, and flow again on restore (when the server ended a connection
 * meanwhile, the client learns it then).
 */
import net from 'net';

export interface TcpProxy {
  /** Port on 127.0.0.1 to connect to instead of the target. */
  port: number;
  /** Connections accepted so far, cut or not: shows whether a client is still trying. */
  connectionsAccepted(): number;
  cut(): void;
  freeze(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const pairs = new Set<[net.Socket, net.Socket]>();
  let isCut = false;
  let isFrozen = false;
  const forward = ([client, upstream]: [net.Socket, net.Socket]): void => {
    client.pipe(upstream);
    upstream.pipe(client);
  };
  let accepted = 0;
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = net.createServer((client) => {
    accepted += 1;
    track(client);
    if (isCut) {
      client.destroy();
      return;
    }
    const upstream = net.connect({ host: targetHost, port: targetPort });
    track(upstream);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    if (!isFrozen) forward(pair);
    client.on('close', () => {
      pairs.delete(pair);
      upstream.destroy();
    });
    // A frozen server closes nothing (its kernel keeps the connection): the client hears of it on restore.
    upstream.on('close', () => {
      if (!isFrozen) client.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    connectionsAccepted: () => accepted,
    cut: () => {
      isCut = true;
      for (const socket of sockets) socket.destroy();
    },
    freeze: () => {
      isFrozen = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    restore: () => {
      isCut = false;
      if (!isFrozen) return;
      isFrozen = false;
      for (const pair of pairs) {
        if (pair[1].destroyed) pair[0].destroy();
        else forward(pair);
      }
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
