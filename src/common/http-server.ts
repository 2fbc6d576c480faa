/**
 * Starting and stopping a Node HTTP server (the broker's metrics endpoint, the console): listen
 * resolves with the port bound (0 asks for any free one) or rejects with the listen error;
 * close ends the keep-alive connections a scraper or a browser holds open, and waits.
 */
import type http from 'http';
import type { AddressInfo } from 'net';

export function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
