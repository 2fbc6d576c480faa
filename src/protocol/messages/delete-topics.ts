/** DeleteTopics (key 20): queues topics under /admin/delete_topics for the controller. */
export interface DeleteTopicsRequest {
  topicNames: string[];
  /** How long to wait for the deletion to finish (0: do not wait). */
  timeoutMs: number;
}

export interface DeleteTopicsResponse {
  responses: { name: string; errorCode: number; errorMessage: string | null }[];
}
