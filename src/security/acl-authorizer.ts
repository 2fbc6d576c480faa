/**
 * Kafka's AclAuthorizer on a broker: every ACL in ZooKeeper, cached, and kept fresh by the
 * `acl_changes_<seq>` notifications under /kafka-acl-changes and /kafka-acl-extended-changes (each
 * names a resource pattern, which is re-read whole). Handlers ask `authorize`; the answer comes
 * from the cache and the pure rule in acl.ts, and a refusal is logged with the principal, as
 * Kafka's authorizer logger does. Watch callbacks only queue a pass; passes run one at a time (NotificationPasses).
 */
import { systemClock, type Clock } from '../common/clock';
import type { Logger } from '../common/logger';
import type { ZkClient } from '../coordination/zk-client';
import { NotificationPasses, obsoleteNotifications } from '../coordination/notification-passes';
import { ZK_MATCH_ANY_VERSION } from '../coordination/zk-client';
import { ZkNoNodeError } from '../coordination/zk-errors';
import { ZkPaths } from '../coordination/paths';
import { getDataIfExists } from '../coordination/zk-reads';
import { authorize, type AclBinding, type AclOperation, type AuthorizerPolicy, type PatternType, type ResourcePattern, type ResourceType } from './acl';
import { aclChangeSequence, decodeAclChange, PATTERN_TYPES, readAcls, readAllAcls } from './acl-store';

/**
 * The one question handlers ask. `logIfDenied` false is Kafka's quiet check, for requests that
 * leave out what the principal may not see (Metadata for all topics) instead of refusing it.
 */
export interface Authorizer {
  authorize(principal: string, host: string, operation: AclOperation, resourceType: ResourceType, resourceName: string, logIfDenied?: boolean): boolean;
}

function patternKey(pattern: ResourcePattern): string {
  return `${pattern.patternType}/${pattern.resourceType}/${pattern.name}`;
}

export class AclAuthorizer implements Authorizer {
  private readonly byPattern = new Map<string, AclBinding[]>();
  private acls: AclBinding[] = [];
  private readonly lastSequence = new Map<PatternType, number>();
  private readonly passes: NotificationPasses;

  constructor(private readonly zk: ZkClient, private readonly policy: AuthorizerPolicy, private readonly logger: Logger, private readonly clock: Clock = systemClock) {
    this.passes = new NotificationPasses(zk, 'ACL cache', logger, () => this.loadAll());
  }

  /** Loads every ACL, then follows the change notifications. */
  startup(): Promise<void> {
    return this.passes.startup();
  }

  shutdown(): void {
    this.passes.shutdown();
  }

  authorize(principal: string, host: string, operation: AclOperation, resourceType: ResourceType, resourceName: string, logIfDenied = true): boolean {
    const allowed = authorize({ principal, host, operation, resourceType, resourceName }, this.acls, this.policy);
    if (!allowed && logIfDenied) this.logger.info(`Principal = ${principal} is Denied Operation = ${operation} from host = ${host} on resource = ${resourceType}:LITERAL:${resourceName}`);
    return allowed;
  }

  /** Notes the newest notifications first, so that none written during the read is missed. */
  private async loadAll(): Promise<void> {
    for (const patternType of PATTERN_TYPES) {
      const seqs = (await this.watchChanges(patternType)).map((n) => aclChangeSequence(n) ?? -1);
      this.lastSequence.set(patternType, Math.max(this.lastSequence.get(patternType) ?? -1, ...seqs));
    }
    this.byPattern.clear();
    for (const binding of await readAllAcls(this.zk)) {
      const key = patternKey(binding.pattern);
      this.byPattern.set(key, [...(this.byPattern.get(key) ?? []), binding]);
    }
    this.rebuild();
    this.logger.info(`ACL cache loaded: ${this.acls.length} ACLs on ${this.byPattern.size} resource patterns`);
  }

  private rebuild(): void {
    this.acls = [...this.byPattern.values()].flat();
  }

  private async watchChanges(patternType: PatternType): Promise<string[]> {
    const path = ZkPaths.aclChanges(patternType);
    await this.zk.mkdirp(path);
    return this.zk.getChildren(path, () => this.passes.enqueue(() => this.processChanges(patternType)));
  }

  /** Re-reads each pattern a new notification names (AclAuthorizer.AclChangedNotificationHandler). */
  private async processChanges(patternType: PatternType): Promise<void> {
    const names = await this.watchChanges(patternType);
    const ordered = names.map((name) => ({ name, seq: aclChangeSequence(name) ?? -1 })).filter((n) => n.seq > (this.lastSequence.get(patternType) ?? -1)).sort((a, b) => a.seq - b.seq);
    for (const { name, seq } of ordered) {
      const node = await getDataIfExists(this.zk, `${ZkPaths.aclChanges(patternType)}/${name}`);
      if (node) {
        const pattern = decodeAclChange(patternType, node.data);
        const { entries } = await readAcls(this.zk, pattern);
        if (entries.length === 0) this.byPattern.delete(patternKey(pattern));
        else this.byPattern.set(patternKey(pattern), entries.map((entry) => ({ pattern, entry })));
        this.rebuild();
        this.logger.info(`ACLs changed (${name}): ${pattern.resourceType}:${pattern.patternType}:${pattern.name} now has ${entries.length}`);
      }
      this.lastSequence.set(patternType, seq);
    }
    await this.purgeObsolete(patternType, names);
  }

  /**
   * Deletes the notifications listed in this pass that are older than 15 minutes, as Kafka's
   * listener does after each pass (every broker does it; whoever comes second finds them gone).
   */
  private async purgeObsolete(patternType: PatternType, names: string[]): Promise<void> {
    const listed: { name: string; ctimeMs: number }[] = [];
    for (const name of names) {
      const stat = await this.zk.exists(`${ZkPaths.aclChanges(patternType)}/${name}`);
      if (stat !== null) listed.push({ name, ctimeMs: stat.ctimeMs });
    }
    for (const name of obsoleteNotifications(listed, this.clock.nowMs())) {
      try {
        await this.zk.delete(`${ZkPaths.aclChanges(patternType)}/${name}`, ZK_MATCH_ANY_VERSION);
      } catch (err) {
        if (!(err instanceof ZkNoNodeError)) throw err;
      }
    }
  }
}
