/**
 * One Kafka API as Josef speaks it: the versions it implements and advertises, the description
 * of its request and response (schema.ts), and what a version means beyond its bytes, as two
 * small pure functions between Kafka's message and the shape Josef's handler takes and gives.
 * Most APIs need neither: their description already names Josef's fields.
 */
import type { RequestOf, ResponseOf, SupportedApiKey } from '../messages';
import type { Struct } from './codec';
import { versions, type MessageSchema, type VersionRange } from './schema';

export interface KafkaApi<K extends SupportedApiKey = SupportedApiKey> {
  readonly apiKey: K;
  /** The versions Josef implements and advertises in ApiVersions; each one works. */
  readonly versions: VersionRange;
  /** Kafka's flexible versions (KIP-482) of this API: compact lengths, tagged fields, header v2/v1. */
  readonly flexibleVersions: VersionRange;
  readonly request: MessageSchema;
  readonly response: MessageSchema;
  /** The decoded Kafka request as the handler takes it (what Kafka's version means, in Josef's terms). */
  toJosefRequest?(decoded: Struct, version: number): RequestOf<K>;
  /** The handler's answer as the response description encodes it. */
  toKafkaResponse?(response: ResponseOf<K>, version: number, request: RequestOf<K>): Struct;
  /** Kafka's getErrorResponse: the answer to a request that failed as a whole, `errorCode` wherever the response has one. */
  errorResponse(request: RequestOf<K>, errorCode: number, version: number): Struct;
}

/** Describes one API; `versionSpec` and `flexibleSpec` in Kafka's notation ("3-7", "9+", "none"). */
export function kafkaApi<K extends SupportedApiKey>(
  spec: Omit<KafkaApi<K>, 'versions' | 'flexibleVersions'> & { versions: string; flexibleVersions: string },
): KafkaApi<K> {
  return { ...spec, versions: versions(spec.versions), flexibleVersions: versions(spec.flexibleVersions) };
}

/** Every partition of a request's topics answered with the same error: the usual per-partition error response. */
export function eachPartitionFails<P extends { partition: number }, R>(
  topics: readonly { name: string; partitions: readonly P[] }[] | null | undefined,
  answer: (partition: P) => R,
): { name: string; partitions: R[] }[] {
  return (topics ?? []).map((t) => ({ name: t.name, partitions: (t.partitions ?? []).map(answer) }));
}
