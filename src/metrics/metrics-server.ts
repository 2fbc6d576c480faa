/**
 * The broker's metrics endpoint (metrics.port): GET /metrics answers the registry in Prometheus's
 * text format, anything else a 404 that says where to look. `?name[]=FAMILY` (repeated) asks for
 * only those families, as the Prometheus Java client's HTTP server behind Kafka's jmx_exporter
 * allows. Node's own HTTP server is enough for one read-only path. A scrape that fails is
 * answered 500 with the reason, never a dead broker.
 */
import http from 'http';
import { closeServer, listen } from '../common/http-server';
import type { Logger } from '../common/logger';

export interface MetricsEndpoint {
  /** Every family, or only those in `names`. */
  metrics(names?: readonly string[]): Promise<string>;
  readonly contentType: string;
}

export const METRICS_PATH = '/metrics';
/** The query parameter naming a family to answer with (repeated for several). */
export const METRICS_NAME_PARAM = 'name[]';

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
    const [path, query = ''] = (request.url ?? '/').split('?', 2);
    if (request.method !== 'GET' || path !== METRICS_PATH) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: the metrics are at GET ${METRICS_PATH}\n`);
      return;
    }
    try {
      const names = new URLSearchParams(query).getAll(METRICS_NAME_PARAM);
      const text = await this.endpoint.metrics(names.length === 0 ? undefined : names);
      response.writeHead(200, { 'content-type': this.endpoint.contentType }).end(text);
    } catch (err) {
      this.logger.warn(`metrics scrape failed: ${(err as Error).message}`);
      response.writeHead(500, { 'content-type': 'text/plain' }).end(`cannot collect the metrics: ${(err as Error).message}\n`);
    }
  }
}
