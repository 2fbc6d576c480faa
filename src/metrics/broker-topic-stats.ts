/**
 * Kafka's BrokerTopicStats: running totals of what producers put into this broker's leaders and
 * what consumers and followers read from them, per topic. The request path only adds to them;
 * the metrics registry (broker-metrics.ts) reads them when scraped, so an unscraped broker pays
 * one addition per partition appended or read. A topic's totals go with its last partition here.
 */
export interface TopicTotals {
  /** Records appended as leader (Kafka's MessagesInPerSec). */
  messagesIn: number;
  /** Bytes of record batches appended as leader (BytesInPerSec). */
  bytesIn: number;
  /** Bytes of record batches sent to consumers (BytesOutPerSec; followers are not counted there, as in Kafka). */
  bytesOut: number;
  /** Bytes of record batches sent to followers (ReplicationBytesOutPerSec). */
  replicationBytesOut: number;
}

export class BrokerTopicStats {
  private readonly topics = new Map<string, TopicTotals>();

  recordMessagesIn(topic: string, messages: number, bytes: number): void {
    const totals = this.totalsOf(topic);
    totals.messagesIn += messages;
    totals.bytesIn += bytes;
  }

  /** Kafka's updateBytesOut: a follower's read counts as replication, a consumer's as bytes out. */
  recordBytesOut(topic: string, bytes: number, isFollower: boolean): void {
    const totals = this.totalsOf(topic);
    if (isFollower) totals.replicationBytesOut += bytes;
    else totals.bytesOut += bytes;
  }

  /** Kafka's removeMetrics: the topic has no partition on this broker any more. */
  removeTopic(topic: string): void {
    this.topics.delete(topic);
  }

  /** Every topic's totals, for a scrape. */
  snapshot(): ReadonlyMap<string, Readonly<TopicTotals>> {
    return this.topics;
  }

  private totalsOf(topic: string): TopicTotals {
    let totals = this.topics.get(topic);
    if (totals === undefined) {
      totals = { messagesIn: 0, bytesIn: 0, bytesOut: 0, replicationBytesOut: 0 };
      this.topics.set(topic, totals);
    }
    return totals;
  }
}
