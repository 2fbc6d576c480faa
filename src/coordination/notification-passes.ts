/**
 * What Kafka's ZkNodeChangeNotificationListener gives each of its users (the dynamic config
 * manager, the ACL authorizer): passes over ZooKeeper that run one at a time in order, so a watch
 * callback only queues one; a failed pass is logged and the next change tries again; a new
 * session, which lost every watch and may have missed changes, queues a full reload; and which
 * notifications are old enough to delete (Kafka's purgeObsoleteNotifications).
 */
import type { Logger } from '../common/logger';
import type { ZkClient } from './zk-client';

export class NotificationPasses {
  private running = false;
  private tail: Promise<void> = Promise.resolve();
  private readonly onConnected = (_sessionId: bigint, newSession: boolean): void => {
    if (newSession) this.enqueue(this.reload);
  };

  /** `what` names the user in log lines; `reload` reads everything again and sets the watches. */
  constructor(private readonly zk: ZkClient, private readonly what: string, private readonly logger: Logger, private readonly reload: () => Promise<void>) {}

  /** Runs the first reload and resolves once it is done. */
  async startup(): Promise<void> {
    this.running = true;
    this.zk.on('connected', this.onConnected);
    this.enqueue(this.reload);
    await this.tail;
  }

  shutdown(): void {
    this.running = false;
    this.zk.off('connected', this.onConnected);
  }

  /** Runs `pass` after the ones before it, unless shut down by then. */
  enqueue(pass: () => Promise<void>): void {
    this.tail = this.tail.then(async () => {
      if (!this.running) return;
      try {
        await pass();
      } catch (err) {
        this.logger.warn(`${this.what}: ${(err as Error).message}; will retry on the next change`);
      }
    });
  }
}

/** Kafka's ZkNodeChangeNotificationListener.changeExpirationMs: a notification older than this has been seen by every live broker. */
export const notificationExpirationMs = 15 * 60 * 1000;

/**
 * The notifications created more than `expirationMs` before `nowMs`, which the broker that
 * processes changes deletes after them (Kafka's purgeObsoleteNotifications): without it they
 * pile up for ever, and every broker lists them all on each change and at each start.
 */
export function obsoleteNotifications(notifications: readonly { name: string; ctimeMs: number }[], nowMs: number, expirationMs = notificationExpirationMs): string[] {
  return notifications.filter((n) => nowMs - n.ctimeMs > expirationMs).map((n) => n.name);
}
