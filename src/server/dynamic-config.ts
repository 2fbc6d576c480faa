/**
 * Kafka's DynamicConfigManager with its ZkNodeChangeNotificationListener: at startup the broker
 * reads every topic's config (/config/topics/*) and its own broker config (/config/brokers/<default>
 * overlaid by /config/brokers/<id>) and applies them; then it watches /config/changes and, for each
 * new config_change_<seq> in sequence order, re-reads the entity it names and applies that, so a
 * `josef topic alter --config` or a reassignment throttle takes effect on running brokers without
 * a restart. Watch callbacks only ask for a pass; passes run one at a time, and asks that come
 * while one is queued fold into it. Notifications older than 15 minutes are deleted, as Kafka's
 * listener purges them (every broker may; a lost race is fine).
 */
import type { Clock } from '../common/clock';
import type { Logger } from '../common/logger';
import { desanitizeEntityName, parseEntityPath, readEntityConfig, type ConfigEntity } from '../coordination/entity-config';
import { NotificationPasses } from '../coordination/notification-passes';
import { ZkPaths } from '../coordination/paths';
import type { ZkClient } from '../coordination/zk-client';
import { ZkNoNodeError } from '../coordination/zk-errors';
import { getDataIfExists } from '../coordination/zk-reads';
import { parseConfigChange } from '../coordination/znodes';

/** Kafka's changeExpirationMs for config change notifications: 15 minutes. */
export const CONFIG_CHANGE_EXPIRATION_MS = 15 * 60 * 1000;

/** Where the configs go (on a broker: its ReplicationThrottles, the ReplicaManager for topics' log settings, the SCRAM credential cache). */
export interface DynamicConfigTarget {
  /** A topic's whole config as it now is (empty when it has none). */
  applyTopicConfig(topic: string, config: Record<string, string>): void;
  /** This broker's dynamic config: `<default>`'s keys with its own over them. */
  applyBrokerConfig(config: Record<string, string>): void;
  /** A user's whole config as it now is (its SCRAM credentials; empty once the user is deleted). */
  applyUserConfig(user: string, config: Record<string, string>): void;
}

export interface DynamicConfigOptions {
  zk: ZkClient;
  brokerId: number;
  target: DynamicConfigTarget;
  clock: Clock;
  logger: Logger;
  changeExpirationMs?: number;
}

const notificationPrefix = 'config_change_';

/** The sequence number ZooKeeper appended to a notification's name, or undefined for another name. */
export function notificationSequence(name: string): number | undefined {
  if (!name.startsWith(notificationPrefix)) return undefined;
  const digits = name.slice(notificationPrefix.length);
  return /^\d+$/.test(digits) ? Number(digits) : undefined;
}

export class DynamicConfigManager {
  private readonly zk: ZkClient;
  private readonly logger: Logger;
  /** The newest notification handled; later ones are new. */
  private lastSequence = -1;
  private passQueued = false;
  private readonly passes: NotificationPasses;

  constructor(private readonly options: DynamicConfigOptions) {
    this.zk = options.zk;
    this.logger = options.logger;
    this.passes = new NotificationPasses(this.zk, 'dynamic config', this.logger, () => this.loadAll());
  }

  /** Applies every config there is, then starts watching for changes. */
  startup(): Promise<void> {
    return this.passes.startup();
  }

  shutdown(): void {
    this.passes.shutdown();
  }

  /** A watch fired: one pass over the notifications, unless one is already waiting to run. */
  private requestPass(): void {
    if (this.passQueued) return;
    this.passQueued = true;
    this.passes.enqueue(async () => {
      this.passQueued = false;
      await this.processNotifications();
    });
  }

  /** Notes the newest notification first, so that none written during the read is missed. */
  private async loadAll(): Promise<void> {
    const names = await this.watchNotifications();
    this.lastSequence = Math.max(this.lastSequence, ...names.map((n) => notificationSequence(n) ?? -1));
    for (const topic of await this.childrenOf(ZkPaths.configTopics)) await this.apply({ type: 'topics', name: topic }, 'startup');
    for (const user of await this.childrenOf(ZkPaths.configUsers)) await this.apply({ type: 'users', name: desanitizeEntityName(user) }, 'startup');
    await this.apply({ type: 'brokers', name: this.options.brokerId }, 'startup');
  }

  private async childrenOf(path: string): Promise<string[]> {
    const children = await this.zk.getChildren(path).catch((err: unknown) => {
      if (err instanceof ZkNoNodeError) return [] as string[];
      throw err;
    });
    return children.sort();
  }

  private async watchNotifications(): Promise<string[]> {
    await this.zk.mkdirp(ZkPaths.configChanges);
    return this.zk.getChildren(ZkPaths.configChanges, () => this.requestPass());
  }

  private async processNotifications(): Promise<void> {
    const names = await this.watchNotifications();
    const nowMs = this.options.clock.nowMs();
    const ordered = names.map((name) => ({ name, seq: notificationSequence(name) })).filter((n): n is { name: string; seq: number } => n.seq !== undefined).sort((a, b) => a.seq - b.seq);
    for (const { name, seq } of ordered) {
      const node = await getDataIfExists(this.zk, ZkPaths.configChange(name));
      if (!node) continue;
      if (seq > this.lastSequence) {
        const entity = parseEntityPath(parseConfigChange(ZkPaths.configChange(name), node.data));
        if (entity) await this.apply(entity, name);
        else this.logger.warn(`dynamic config: ${name} names an entity Josef does not keep: ${node.data.toString('utf8')}`);
        this.lastSequence = seq;
      }
      if (nowMs - node.stat.ctimeMs > (this.options.changeExpirationMs ?? CONFIG_CHANGE_EXPIRATION_MS)) await this.purge(name);
    }
  }

  private async purge(name: string): Promise<void> {
    try {
      await this.zk.delete(ZkPaths.configChange(name), -1);
    } catch (err) {
      if (!(err instanceof ZkNoNodeError)) throw err;
    }
  }

  /** Changes are worth a line each; what startup reads is not news. */
  private log(why: string, what: string): void {
    if (why === 'startup') this.logger.debug(`dynamic config at startup: ${what}`);
    else this.logger.info(`dynamic config changed (${why}): ${what}`);
  }

  /** Re-reads the entity and hands its whole config over; a broker entity other than this broker (or `<default>`) is not ours. */
  private async apply(entity: ConfigEntity, why: string): Promise<void> {
    const { target, brokerId } = this.options;
    if (entity.type === 'topics') {
      const config = await readEntityConfig(this.zk, entity);
      this.log(why, `topic ${entity.name} ${JSON.stringify(config)}`);
      target.applyTopicConfig(entity.name, config);
      return;
    }
    if (entity.type === 'users') {
      const config = await readEntityConfig(this.zk, entity);
      // Credentials are secrets: the log says which user changed, never what.
      this.log(why, `user ${entity.name} (${Object.keys(config).join(', ') || 'deleted'})`);
      target.applyUserConfig(entity.name, config);
      return;
    }
    if (entity.name !== brokerId && entity.name !== '<default>') return;
    const config = {
      ...await readEntityConfig(this.zk, { type: 'brokers', name: '<default>' }),
      ...await readEntityConfig(this.zk, { type: 'brokers', name: brokerId }),
    };
    this.log(why, `broker ${brokerId} ${JSON.stringify(config)}`);
    target.applyBrokerConfig(config);
  }
}
