/** Produce (key 0): appends each partition's batches through the replica manager; acks=0 gets no answer. */
import { ApiKey } from '../../protocol/api-keys';
import type { ProduceRequest, ProduceResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import type { ReplicaManager } from '../replica-manager';
import { flattenByTopic, groupByTopic } from './by-topic';

export function produceHandler(replicaManager: ReplicaManager): Handler<typeof ApiKey.Produce> {
  return async (body: ProduceRequest, ctx): Promise<ProduceResponse | null> => {
    const entries = flattenByTopic(body.topics, 'Produce');
    const results = await replicaManager.appendRecords(body.acks, body.timeoutMs, entries, { onWaitingForAcks: ctx.onWaitingForAcks });
    // Kafka sends nothing back for acks=0, not even errors: the producer asked not to wait.
    if (body.acks === 0) return null;
    return { topics: groupByTopic(results), throttleTimeMs: 0 };
  };
}
