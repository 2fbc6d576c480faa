/**
 * What the console may do to a cluster that `josef cluster up` runs from a data dir (read through
 * its cluster.json, as `josef broker kill` and `cluster add-broker` do): create a topic, signal a
 * broker (KILL, TERM, STOP, CONT) or start it again, run producers and consumers at a chosen rate
 * (at most `loadsMax` at once), and run the failover demo, whose narration goes to every page.
 * Inputs arrive checked (console-api.ts); what the cluster refuses comes back as an HttpError.
 */
import { spawn, type ChildProcess } from 'child_process';
import path from 'path';
import { Admin } from '../client/admin';
import { Consumer } from '../client/consumer';
import { Producer } from '../client/producer';
import { ErrorCode, JosefError } from '../common/errors';
import type { Logger } from '../common/logger';
import { KILL_SIGNALS, type KillSignal } from '../cli/broker';
import { brokerCommandWords, isJosefProcess, requireClusterState, startRecordedBroker } from '../local/cluster-state';
import { josefRoot } from '../local/zk-install';
import { HttpError } from './http-error';

export const loadsMax = 4;
/** A producer sends its records in this many slices a second, so a rate is steady on a chart. */
const loadTicksPerSec = 10;
const recordValueBytes = 100;

export interface LoadView {
  id: number;
  kind: 'producer' | 'consumer';
  topic: string;
  ratePerSec: number;
  /** Records acknowledged (producer) or received (consumer) so far. */
  records: number;
  errors: number;
  lastError: string | null;
}

interface Load extends LoadView {
  stop(): Promise<void>;
}

export class LocalActions {
  private readonly loads = new Map<number, Load>();
  private nextLoadId = 1;
  private demo: ChildProcess | undefined;

  constructor(
    readonly dataDir: string,
    private readonly output: (line: string) => void,
    private readonly logger: Logger,
  ) {}

  private bootstrapServers(): string {
    const state = requireClusterState(this.dataDir);
    const running = state.brokers.filter((b) => isJosefProcess(b.pid, brokerCommandWords(b.id)));
    if (running.length === 0) throw new HttpError(409, `no broker of the cluster of ${this.dataDir} is running`);
    return running.map((b) => `${b.host}:${b.port}`).join(',');
  }

  async createTopic(name: string, partitions: number, replicationFactor: number): Promise<void> {
    const admin = new Admin({ bootstrapServers: this.bootstrapServers(), clientId: 'josef-console', logger: this.logger });
    try {
      await admin.createTopics([{ name, numPartitions: partitions, replicationFactor }], { timeoutMs: 30_000 });
    } catch (err) {
      if (!(err instanceof JosefError)) throw err;
      const status = err.code === ErrorCode.TOPIC_ALREADY_EXISTS.code ? 409
        : [ErrorCode.INVALID_TOPIC_EXCEPTION.code, ErrorCode.INVALID_PARTITIONS.code, ErrorCode.INVALID_REPLICATION_FACTOR.code].includes(err.code) ? 400 : 502;
      throw new HttpError(status, err.message);
    } finally {
      await admin.close();
    }
  }

  /** Sends SIG`signal` to broker `id`'s process; says what the broker does about it. */
  signalBroker(id: number, signal: KillSignal): string {
    const broker = this.clusterBroker(id);
    if (broker.pid === undefined || !isJosefProcess(broker.pid, brokerCommandWords(id))) {
      throw new HttpError(409, `broker ${id} is not running${broker.exit ? ` (it exited: ${broker.exit})` : ''}`);
    }
    process.kill(broker.pid, `SIG${signal}`);
    return `sent SIG${signal} to broker ${id} (pid ${broker.pid}): ${KILL_SIGNALS[signal]}`;
  }

  /** Starts broker `id` again with its data, port and metrics port (as the failover demo does). */
  restartBroker(id: number): string {
    const state = requireClusterState(this.dataDir);
    const broker = this.clusterBroker(id);
    if (isJosefProcess(broker.pid, brokerCommandWords(id))) throw new HttpError(409, `broker ${id} is running (pid ${broker.pid}); kill it first`);
    const pid = startRecordedBroker(this.dataDir, state, state.brokers.find((b) => b.id === id)!, `josef console: restarting broker ${id}`);
    return `started broker ${id} again (pid ${pid}); it registers in /brokers/ids with a new broker epoch`;
  }

  private clusterBroker(id: number): ReturnType<typeof requireClusterState>['brokers'][number] {
    const state = requireClusterState(this.dataDir);
    const broker = state.brokers.find((b) => b.id === id);
    if (!broker) throw new HttpError(404, `broker ${id} is not part of the cluster of ${this.dataDir} (brokers ${state.brokers.map((b) => b.id).join(', ')})`);
    return broker;
  }

  listLoads(): LoadView[] {
    return [...this.loads.values()].map(({ stop: _stop, ...view }) => ({ ...view }));
  }

  startLoad(kind: 'producer' | 'consumer', topic: string, ratePerSec: number): LoadView {
    if (this.loads.size >= loadsMax) throw new HttpError(409, `${loadsMax} producers and consumers run already; stop one first`);
    const id = this.nextLoadId++;
    const options = { bootstrapServers: this.bootstrapServers(), clientId: `josef-console-${kind}-${id}`, logger: this.logger.child(`${kind}-${id}`) };
    const load: Load = { id, kind, topic, ratePerSec, records: 0, errors: 0, lastError: null, stop: async () => undefined };
    const fail = (err: unknown): void => {
      load.errors++;
      load.lastError = (err as Error).message;
    };
    if (kind === 'producer') {
      const producer = new Producer({ ...options, acks: -1 });
      const value = Buffer.alloc(recordValueBytes, 'x');
      const perTick = ratePerSec / loadTicksPerSec;
      let owed = 0;
      const timer = setInterval(() => {
        owed += perTick;
        for (; owed >= 1; owed--) producer.send({ topic, value }).then(() => { load.records++; }, fail);
      }, 1000 / loadTicksPerSec);
      load.stop = async () => {
        clearInterval(timer);
        await producer.close().catch(fail);
      };
    } else {
      const consumer = new Consumer({ ...options, groupId: `josef-console-${topic}`, autoOffsetReset: 'earliest' });
      consumer.subscribe([topic]);
      let running = true;
      const loop = (async () => {
        while (running) {
          try {
            load.records += (await consumer.poll(500)).length;
          } catch (err) {
            fail(err);
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
        }
      })();
      load.stop = async () => {
        running = false;
        await loop;
        await consumer.close().catch(fail);
      };
    }
    this.loads.set(id, load);
    const { stop: _stop, ...view } = load;
    return view;
  }

  async stopLoad(id: number): Promise<void> {
    const load = this.loads.get(id);
    if (!load) throw new HttpError(404, `no producer or consumer ${id} runs (running: ${[...this.loads.keys()].join(', ') || 'none'})`);
    this.loads.delete(id);
    await load.stop();
  }

  /** Runs `josef demo failover` on this cluster; every line it prints goes to the pages. */
  runFailoverDemo(): void {
    if (this.demo) throw new HttpError(409, 'the failover demo is already running');
    requireClusterState(this.dataDir);
    const child = spawn(process.execPath, [path.join(josefRoot(), 'bin', 'josef'), 'demo', 'failover', '--data-dir', this.dataDir, '--plain'], {
      stdio: ['ignore', 'pipe', 'pipe'], env: process.env,
    });
    this.demo = child;
    let pending = '';
    const onData = (chunk: Buffer): void => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') this.output(line);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      if (pending.trim() !== '') this.output(pending);
      this.output(`josef demo failover ended (${signal ? `signal ${signal}` : `code ${code}`})`);
      this.demo = undefined;
    });
  }

  async close(): Promise<void> {
    this.demo?.kill('SIGTERM');
    await Promise.all([...this.loads.keys()].map((id) => this.stopLoad(id)));
  }
}
