/**
 * The broker's metrics endpoint (metrics.port): GET /metrics answers the registry in Prometheus's
 * text format, anything else a 404 that says where to look. Node's own HTTP server is enough for
 * one read-only path. A scrape that fails is answered 500 with the reason, never a dead broker.
 */
import http from 'http';
import { closeServer, listen } from '../common/http-server';
import type { Logger } from '../common/logger';

export interface MetricsEndpoint {
  metrics(): Promise<string>;
  readonly contentType: string;
}

export const METRICS_PATH = '/metrics';

export class MetricsServer {
  private readonly server: http.Server;

  constructor(private readonly endpoint: MetricsEndpoint, private readonly logger: Logger) {
    this.server = http.createServer((request, response) => void this.answer(request, response));
    // A scraper holds its connection open between scrapes; close() must not wait for it.
    this.server.keepAliveTimeout = 5_000;
  }

  /** Listens on host:port (0: any free port); resolves with the port bound. */
  start(host: string, port: number): Promise<number> {
    return listen(this.server, host, port);
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private async answer(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || path !== METRICS_PATH) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: the metrics are at GET ${METRICS_PATH}\n`);
      return;
    }
    try {
      const text = await this.endpoint.metrics();
      response.writeHead(200, { 'content-type': this.endpoint.contentType }).end(text);
    } catch (err) {
      this.logger.warn(`metrics scrape failed: ${(err as Error).message}`);
      response.writeHead(500, { 'content-type': 'text/plain' }).end(`cannot collect the metrics: ${(err as Error).message}\n`);
    }
  }
}
