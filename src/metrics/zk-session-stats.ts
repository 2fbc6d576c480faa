/**
 * The broker's view of its ZooKeeper session, as Kafka's SessionExpireListener reports it: the
 * state now, and how often the session connected, was cut off and expired. The ZkClient's events
 * only move this along; the metrics registry reads it when scraped.
 */
import type { ZkClient } from '../coordination/zk-client';

/** CONNECTED; DISCONNECTED: cut off, the session may still live; EXPIRED: gone, a new one is being opened; CLOSED. */
export type ZkSessionState = 'CONNECTED' | 'DISCONNECTED' | 'EXPIRED' | 'CLOSED';

export const zkSessionStates: readonly ZkSessionState[] = ['CONNECTED', 'DISCONNECTED', 'EXPIRED', 'CLOSED'];

export class ZkSessionStats {
  state: ZkSessionState = 'CONNECTED';
  /** Kafka's ZooKeeperSyncConnectsPerSec, ZooKeeperDisconnectsPerSec and ZooKeeperExpiresPerSec, as totals. */
  syncConnects = 0;
  disconnects = 0;
  expires = 0;

  onConnected(): void {
    this.state = 'CONNECTED';
    this.syncConnects++;
  }

  onDisconnected(): void {
    this.state = 'DISCONNECTED';
    this.disconnects++;
  }

  onExpired(): void {
    this.state = 'EXPIRED';
    this.expires++;
  }

  onClosed(): void {
    this.state = 'CLOSED';
  }

  /** Follows `zk`'s session from now on (it is connected when handed over). */
  watch(zk: ZkClient): void {
    zk.on('connected', () => this.onConnected());
    zk.on('disconnected', () => this.onDisconnected());
    zk.on('expired', () => this.onExpired());
  }
}
