/**
 * DescribeConfigs (key 32): the configs of topics and brokers with their values in effect and
 * where each value comes from (a topic override, the broker's file, a default). Kafka's field
 * names; the version-0 flag `isDefault` is derived from `configSource` by the Kafka description.
 */

/** Kafka's ConfigResource.Type ids for the resources Josef keeps configs of. */
export const ConfigResourceType = {
  TOPIC: 2,
  BROKER: 4,
} as const;

/** Kafka's DescribeConfigsResponse.ConfigSource: where a config's value comes from. */
export const ConfigSource = {
  UNKNOWN: 0,
  /** An override in /config/topics/<topic>. */
  TOPIC_CONFIG: 1,
  /** /config/brokers/<id>: set for this broker while it runs. */
  DYNAMIC_BROKER_CONFIG: 2,
  /** /config/brokers/<default>: set for every broker while they run. */
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  /** The broker's server.properties, environment or command line. */
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

export interface DescribeConfigsResource {
  resourceType: number;
  /** A topic's name; for a broker its id, or "" for the default every broker shares. */
  resourceName: string;
  /** The configs to describe; null: all of them. Names the resource does not have are left out. */
  configurationKeys: string[] | null;
}

export interface DescribeConfigsRequest {
  resources: DescribeConfigsResource[];
  /** Also list every source of each value, strongest first (Kafka's schema spells it IncludeSynoyms). */
  includeSynonyms: boolean;
}

export interface DescribeConfigsSynonym {
  name: string;
  value: string | null;
  source: number;
}

export interface DescribeConfigsEntry {
  name: string;
  value: string | null;
  /** True where no AlterConfigs can change it (a broker setting only a restart changes). */
  readOnly: boolean;
  configSource: number;
  isSensitive: boolean;
  /** Empty unless the request asked for synonyms. */
  synonyms: DescribeConfigsSynonym[];
}

export interface DescribeConfigsResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
  configs: DescribeConfigsEntry[];
}

export interface DescribeConfigsResponse {
  throttleTimeMs: number;
  results: DescribeConfigsResult[];
}
