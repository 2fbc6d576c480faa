/**
 * The console's JSON API: what the page reads besides its live feed (one topic, a znode with
 * its children) and the actions it may ask for on a local cluster. Every input is checked here,
 * once: a malformed request or an unknown topic, broker or znode is a 4xx that says what is wrong,
 * an action on a cluster the console does not run is 403, a ZooKeeper that is down 503.
 */
import { parseKillSignal } from '../cli/broker';
import { topicNameProblem } from '../common/topic';
import { ZkNoNodeError } from '../coordination/zk-errors';
import type { ConsoleFeed } from './console-feed';
import { HttpError } from './http-error';
import type { LocalActions } from './local-actions';

export interface ApiRequest {
  method: string;
  /** The path without the query, e.g. /api/topics/demo. */
  path: string;
  query: URLSearchParams;
  /** The parsed JSON body (undefined when there was none). */
  body: unknown;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

/** The bytes of a znode's data shown in the ZooKeeper panel. */
export const znodeDataShownMax = 16 * 1024;
/** Children of one znode listed (an isr_change_notification pile-up must not flood the page). */
const znodeChildrenMax = 1000;
const partitionsMax = 1000;
const replicationFactorMax = 32;
const ratePerSecMax = 100_000;

export class ConsoleApi {
  constructor(private readonly feed: ConsoleFeed, private readonly actions: LocalActions | undefined) {}

  async handle(request: ApiRequest): Promise<ApiAnswer> {
    const { method, path } = request;
    const segments = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
    const route = `${method} /${segments.slice(0, 2).join('/')}${segments.length > 2 ? '/:' : ''}${segments.length > 3 ? `/${segments.slice(3).join('/')}` : ''}`;
    switch (route) {
      case 'GET /api/info': return ok({ zookeeper: this.feed.zookeeperConnect, localCluster: this.actions?.dataDir ?? null, readOnly: this.actions === undefined });
      case 'GET /api/topics/:': return ok(this.topic(segments[2]));
      case 'GET /api/zk': return ok(await this.znode(request.query.get('path')));
      case 'POST /api/topics': return { status: 201, body: await this.createTopic(request.body) };
      case 'POST /api/brokers/:/signal': {
        const [id, signal] = [wholeNumber(segments[2], 'broker id'), parseSignal(request.body)];
        return ok({ message: this.local().signalBroker(id, signal) });
      }
      case 'POST /api/brokers/:/restart': {
        const id = wholeNumber(segments[2], 'broker id');
        return { status: 202, body: { message: this.local().restartBroker(id) } };
      }
      case 'GET /api/loads': return ok(this.local().listLoads());
      case 'POST /api/loads': return { status: 201, body: this.startLoad(request.body) };
      case 'DELETE /api/loads/:': {
        const id = wholeNumber(segments[2], 'load id');
        await this.local().stopLoad(id);
        return ok({});
      }
      case 'POST /api/demo/:': {
        if (segments[2] !== 'failover') throw new HttpError(404, `no demo ${JSON.stringify(segments[2])}: the console runs POST /api/demo/failover`);
        this.local().runFailoverDemo();
        return { status: 202, body: { message: 'josef demo failover started; its narration follows in the page' } };
      }
      default:
        throw new HttpError(404, `no ${method} ${path} here: see GET /api/info, /api/topics/<name>, /api/zk?path=/...`);
    }
  }

  private local(): LocalActions {
    if (!this.actions) throw new HttpError(403, 'this console is read-only: actions are for a cluster of `josef cluster up` (josef console --data-dir DIR)');
    return this.actions;
  }

  private topic(name: string) {
    const topic = this.feed.cluster.topics.find((t) => t.name === name);
    if (!topic) throw new HttpError(404, `unknown topic ${JSON.stringify(name)}: the cluster has ${this.feed.cluster.topics.map((t) => t.name).join(', ') || 'no topic'}`);
    return topic;
  }

  private async znode(path: string | null) {
    if (path === null || !/^\/([^/\0]+(\/[^/\0]+)*)?$/.test(path) || path.split('/').some((s) => s === '.' || s === '..')) {
      throw new HttpError(400, `path wants a znode path such as /brokers/ids (absolute, no empty, . or .. parts), got ${JSON.stringify(path)}`);
    }
    const zk = this.feed.zookeeperUp ? await this.feed.zooKeeper() : undefined;
    if (!zk) throw new HttpError(503, `ZooKeeper ${this.feed.zookeeperConnect} cannot be reached now; the page says when it is back`);
    try {
      const [{ data, stat }, children] = await Promise.all([zk.getData(path), zk.getChildren(path)]);
      const text = data.subarray(0, znodeDataShownMax).toString('utf8');
      return {
        path, data: text, dataBytes: data.length, truncated: data.length > znodeDataShownMax,
        stat: { version: stat.version, cversion: stat.cversion, czxid: stat.czxid.toString(), mzxid: stat.mzxid.toString(), ctimeMs: stat.ctimeMs, mtimeMs: stat.mtimeMs, ephemeralOwner: `0x${stat.ephemeralOwner.toString(16)}`, numChildren: stat.numChildren },
        children: children.sort().slice(0, znodeChildrenMax),
      };
    } catch (err) {
      if (err instanceof ZkNoNodeError) throw new HttpError(404, `no znode ${path}`);
      throw err;
    }
  }

  private async createTopic(body: unknown) {
    const fields = objectBody(body);
    const name = stringField(fields, 'name');
    const problem = topicNameProblem(name);
    if (problem !== undefined) throw new HttpError(400, `topic name ${JSON.stringify(name)}: ${problem}`);
    const partitions = integerField(fields, 'partitions', 1, partitionsMax);
    const replicationFactor = integerField(fields, 'replicationFactor', 1, replicationFactorMax);
    await this.local().createTopic(name, partitions, replicationFactor);
    return { name, partitions, replicationFactor };
  }

  private startLoad(body: unknown) {
    const fields = objectBody(body);
    const kind = stringField(fields, 'kind');
    if (kind !== 'producer' && kind !== 'consumer') throw new HttpError(400, `kind wants "producer" or "consumer", got ${JSON.stringify(kind)}`);
    const topic = stringField(fields, 'topic');
    this.topic(topic);
    const ratePerSec = kind === 'producer' ? integerField(fields, 'ratePerSec', 1, ratePerSecMax) : 0;
    return this.local().startLoad(kind, topic, ratePerSec);
  }
}

function ok(body: unknown): ApiAnswer {
  return { status: 200, body };
}

function wholeNumber(text: string, what: string): number {
  const id = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(id)) throw new HttpError(400, `${what} wants a whole number, got ${JSON.stringify(text)}`);
  return id;
}

function objectBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'the body wants a JSON object');
  return body as Record<string, unknown>;
}

function stringField(fields: Record<string, unknown>, name: string): string {
  const value = fields[name];
  if (typeof value !== 'string' || value === '') throw new HttpError(400, `${name} wants a non-empty string, got ${JSON.stringify(value) ?? 'nothing'}`);
  return value;
}

function integerField(fields: Record<string, unknown>, name: string, min: number, max: number): number {
  const value = fields[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new HttpError(400, `${name} wants a whole number from ${min} to ${max}, got ${JSON.stringify(value) ?? 'nothing'}`);
  }
  return value;
}

function parseSignal(body: unknown) {
  const signal = stringField(objectBody(body), 'signal');
  try {
    return parseKillSignal(signal);
  } catch (err) {
    throw new HttpError(400, (err as Error).message);
  }
}
