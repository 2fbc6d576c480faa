/**
 * What a handler knows about the request it is answering besides the body: who sent it and
 * under which correlation id. Handlers never see the socket.
 */
export interface RequestContext {
  readonly clientId: string | null;
  readonly correlationId: number;
  readonly apiVersion: number;
  /** `host:port` of the peer, for logs and errors. */
  readonly remoteAddress: string;
  /**
   * Produce only: the handler calls it once the request's batches are all in the log and it waits
   * for its acks; the connection may then handle the next Produce (see ClientChannel).
   */
  readonly onWaitingForAcks?: () => void;
}
