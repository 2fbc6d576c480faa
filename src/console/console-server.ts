/**
 * The console's web server: the page and its assets (plain files from src/console/page and
 * uPlot from its npm package: nothing to build), the JSON API (console-api.ts), and the live feed
 * over a WebSocket at /live (the `ws` library), where each page gets the feed's snapshot and then
 * every change. Node's own http serves the rest. A page that cannot keep up (more than
 * `sendBufferBytesMax` unsent) is disconnected; it reconnects and starts from a fresh snapshot.
 */
import * as fs from 'fs';
import http from 'http';
import path from 'path';
import { WebSocketServer, type WebSocket } from 'ws';
import { closeServer, listen } from '../common/http-server';
import type { Logger } from '../common/logger';
import { josefRoot } from '../local/zk-install';
import { ConsoleApi } from './console-api';
import type { ConsoleFeed, FeedMessage } from './console-feed';
import { HttpError } from './http-error';
import type { LocalActions } from './local-actions';

/** Request bodies are small JSON objects. */
export const requestBodyBytesMax = 64 * 1024;
const sendBufferBytesMax = 8 * 1024 * 1024;
export const LIVE_PATH = '/live';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml',
};

/** The files the server hands out, by URL path: the page's own, and uPlot's from its package. */
function staticFiles(): Map<string, string> {
  const pageDir = path.join(josefRoot(), 'src', 'console', 'page');
  const files = new Map<string, string>([['/', path.join(pageDir, 'index.html')]]);
  for (const name of fs.readdirSync(pageDir)) files.set(`/page/${name}`, path.join(pageDir, name));
  const uplotDir = path.dirname(require.resolve('uplot'));
  files.set('/vendor/uPlot.iife.min.js', path.join(uplotDir, 'uPlot.iife.min.js'));
  files.set('/vendor/uPlot.min.css', path.join(uplotDir, 'uPlot.min.css'));
  return files;
}

export class ConsoleServer {
  private readonly server: http.Server;
  private readonly sockets: WebSocketServer;
  private readonly api: ConsoleApi;
  private readonly files = staticFiles();

  constructor(private readonly feed: ConsoleFeed, actions: LocalActions | undefined, private readonly logger: Logger) {
    this.api = new ConsoleApi(feed, actions);
    this.server = http.createServer((request, response) => void this.answer(request, response));
    this.sockets = new WebSocketServer({ server: this.server, path: LIVE_PATH, maxPayload: requestBodyBytesMax });
    this.sockets.on('connection', (socket) => this.follow(socket));
  }

  /** Listens on host:port (0: a free port); resolves with the port bound. */
  start(host: string, port: number): Promise<number> {
    return listen(this.server, host, port);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets.clients) socket.terminate();
    await new Promise<void>((resolve) => this.sockets.close(() => resolve()));
    await closeServer(this.server);
  }

  private follow(socket: WebSocket): void {
    const send = (message: FeedMessage): void => {
      if (socket.readyState !== socket.OPEN) return;
      if (socket.bufferedAmount > sendBufferBytesMax) {
        this.logger.warn('a page is not keeping up with the live feed: disconnecting it (it reconnects)');
        socket.terminate();
        return;
      }
      socket.send(JSON.stringify(message));
    };
    for (const message of this.feed.snapshot()) send(message);
    const unsubscribe = this.feed.subscribe(send);
    socket.on('close', unsubscribe);
    socket.on('error', () => socket.terminate());
  }

  private async answer(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://console');
    try {
      if (url.pathname.startsWith('/api/')) {
        const body = await readJsonBody(request);
        const answer = await this.api.handle({ method: request.method ?? 'GET', path: url.pathname, query: url.searchParams, body });
        sendJson(response, answer.status, answer.body);
        return;
      }
      const file = request.method === 'GET' ? this.files.get(url.pathname) : undefined;
      if (!file) throw new HttpError(404, `no ${request.method} ${url.pathname} here: the console is at /`);
      response.writeHead(200, { 'content-type': contentTypes[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
      fs.createReadStream(file).pipe(response);
    } catch (err) {
      if (err instanceof HttpError) {
        sendJson(response, err.status, { error: err.message });
        return;
      }
      this.logger.warn(`${request.method} ${url.pathname}: ${(err as Error).stack ?? String(err)}`);
      sendJson(response, 500, { error: (err as Error).message });
    }
  }
}

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** The request's JSON body, undefined when empty; 413 past requestBodyBytesMax, 400 when not JSON. */
function readJsonBody(request: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > requestBodyBytesMax) {
        reject(new HttpError(413, `the body is over ${requestBodyBytesMax} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('error', reject);
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(new HttpError(400, `the body is not JSON: ${(err as Error).message}`));
      }
    });
  });
}
