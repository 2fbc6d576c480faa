/**
 * A running console: the feed of one cluster, its web server, and (for a cluster of `josef
 * cluster up`, named by its data dir) the actions the page may take. Used by `josef console` and
 * by `cluster up`, which starts one beside its brokers.
 */
import type { Logger } from '../common/logger';
import { ConsoleFeed, feedTimingsDefault, type FeedTimings } from './console-feed';
import { ConsoleServer } from './console-server';
import { LocalActions } from './local-actions';

export interface ConsoleOptions {
  zookeeperConnect: string;
  /** The data dir of a `josef cluster up`: the page may then act on its brokers. Undefined: read-only. */
  localClusterDataDir?: string;
  /** Default 127.0.0.1: the console's actions kill processes, so it is not for the network unless asked. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
  timings?: FeedTimings;
}

export interface RunningConsole {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The default port: Confluent Control Center's, where a Kafka user looks for a web console. */
export const CONSOLE_PORT_DEFAULT = 9021;

export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const host = options.host ?? '127.0.0.1';
  const feed = new ConsoleFeed(options.zookeeperConnect, options.timings ?? feedTimingsDefault, options.logger.child('feed'));
  const actions = options.localClusterDataDir === undefined ? undefined : new LocalActions(options.localClusterDataDir, (line) => feed.actionOutput(line), options.logger.child('actions'));
  const server = new ConsoleServer(feed, actions, options.logger.child('server'));
  let port: number;
  try {
    port = await server.start(host, options.port);
  } catch (err) {
    const inUse = /EADDRINUSE/.test((err as Error).message);
    throw new Error(inUse ? `port ${options.port} on ${host} is in use: choose another for the console (--console-port, or josef console --port)` : (err as Error).message);
  }
  feed.start();
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    port,
    async close() {
      await server.close();
      await actions?.close();
      await feed.stop();
    },
  };
}
