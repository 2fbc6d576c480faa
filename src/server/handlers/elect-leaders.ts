/**
 * ElectLeaders (key 43): the controller runs the elections an admin client asks for (its
 * preferred replica for each partition, or an unclean one for partitions without a live leader)
 * and the answer waits, up to timeoutMs, until this broker's metadata shows each elected leader
 * (Kafka's DelayedElectLeader), else REQUEST_TIMED_OUT for that partition. Any other broker answers
 * NOT_CONTROLLER for every partition, as Kafka's does; clients send it to the controller.
 * Without a list of partitions every partition is asked for, and those already led by the leader
 * the election would pick are left out of the answer (Kafka's rule).
 */
import { ErrorCode, JosefError } from '../../common/errors';
import { partitionKey } from '../../common/topic';
import { ApiKey } from '../../protocol/api-keys';
import {
  ElectionType, groupByTopic, type ElectLeadersRequest, type ElectLeadersResponse, type TopicPartition,
} from '../../protocol/messages';
import type { PartitionElectionResult } from '../../coordination/controller/admin-leader-election';
import type { Handler } from '../dispatcher';
import type { MetadataCache } from '../metadata-cache';
import { requireArray } from './by-topic';
import type { ControllerPort } from './ports';

export interface ElectLeadersDeps {
  metadataCache: MetadataCache;
  controller: () => ControllerPort | undefined;
}

export function electLeadersHandler(deps: ElectLeadersDeps): Handler<typeof ApiKey.ElectLeaders> {
  return async (body: ElectLeadersRequest): Promise<ElectLeadersResponse> => {
    if (body.electionType !== ElectionType.PREFERRED && body.electionType !== ElectionType.UNCLEAN) {
      throw new JosefError(ErrorCode.INVALID_REQUEST, `unknown election type ${body.electionType} (0: preferred, 1: unclean)`);
    }
    const asked = body.topicPartitions === null ? everyPartition(deps.metadataCache) : requestedPartitions(body.topicPartitions);
    const results = await elect(asked, body.electionType, deps);
    // Kafka's deadline also counts the controller's work; here the whole timeout is the wait for the metadata.
    await awaitElectedLeaders(results, body.timeoutMs, deps.metadataCache);
    const answered = body.topicPartitions === null ? results.filter((r) => r.errorCode !== ErrorCode.ELECTION_NOT_NEEDED.code) : results;
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE.code,
      replicaElectionResults: groupByTopic(answered, (r) => r.topic, (r) => ({ partitionId: r.partition, errorCode: r.errorCode, errorMessage: r.errorMessage }))
        .map((t) => ({ topic: t.name, partitionResult: t.partitions })),
    };
  };
}

async function elect(partitions: TopicPartition[], electionType: number, deps: ElectLeadersDeps): Promise<PartitionElectionResult[]> {
  const notController = (): PartitionElectionResult[] => partitions.map((tp) => ({ ...tp, errorCode: ErrorCode.NOT_CONTROLLER.code, errorMessage: null }));
  const controller = deps.controller();
  if (!controller?.isActive) return notController();
  try {
    return await controller.electLeaders(partitions, electionType);
  } catch (err) {
    // It resigned while the request waited for it.
    if (err instanceof JosefError && err.code === ErrorCode.NOT_CONTROLLER.code) return notController();
    throw err;
  }
}

/** Kafka takes "every partition" from the metadata cache of the broker asked. */
function everyPartition(cache: MetadataCache): TopicPartition[] {
  return cache.topicNames().flatMap((topic) => cache.topicPartitions(topic));
}

/** The partitions named, each once (Kafka reads them into a set). */
function requestedPartitions(topics: NonNullable<ElectLeadersRequest['topicPartitions']>): TopicPartition[] {
  const seen = new Map<string, TopicPartition>();
  for (const t of requireArray(topics, 'ElectLeaders.topicPartitions')) {
    for (const partition of requireArray(t.partitionId, `ElectLeaders.topicPartitions[${t.topic}].partitionId`)) seen.set(partitionKey(t.topic, partition), { topic: t.topic, partition });
  }
  return [...seen.values()];
}

/** Kafka's DelayedElectLeader: an elected partition is done once the metadata names its new leader; not done in time: REQUEST_TIMED_OUT. */
async function awaitElectedLeaders(results: PartitionElectionResult[], timeoutMs: number, cache: MetadataCache): Promise<void> {
  const elected = results.filter((r) => r.leader !== undefined);
  const shown = (r: PartitionElectionResult): boolean => cache.partitionState(r.topic, r.partition)?.leader === r.leader;
  await cache.waitUntil(() => elected.every(shown), timeoutMs);
  for (const result of elected) {
    if (shown(result)) continue;
    result.errorCode = ErrorCode.REQUEST_TIMED_OUT.code;
    result.errorMessage = `broker ${result.leader} was elected leader of ${result.topic}-${result.partition}, but the metadata did not show it within ${timeoutMs} ms`;
  }
}
