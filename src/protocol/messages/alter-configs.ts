/**
 * AlterConfigs (key 33), the non-incremental one: each resource's overrides become exactly the
 * configs given (a config left out goes back to its default), as Kafka's AlterConfigs does.
 * Resource types are DescribeConfigs' (ConfigResourceType).
 */

export interface AlterConfigsResource {
  resourceType: number;
  /** A topic's name; for a broker its id, or "" for the default every broker shares. */
  resourceName: string;
  /** Kafka's wire format allows a null value; it is refused (INVALID_REQUEST), as Kafka does. */
  configs: { name: string; value: string | null }[];
}

export interface AlterConfigsRequest {
  resources: AlterConfigsResource[];
  /** Check everything, change nothing. */
  validateOnly: boolean;
}

export interface AlterConfigsResourceResponse {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

export interface AlterConfigsResponse {
  throttleTimeMs: number;
  responses: AlterConfigsResourceResponse[];
}
