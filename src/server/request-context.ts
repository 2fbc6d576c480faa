/**
 * What a handler knows about the request it is answering besides the body: who sent it and
 * under which correlation id. Handlers never see the socket.
 */
import type { ProtocolName } from '../protocol/wire-protocol';

export interface RequestContext {
  /** Which wire protocol the request came in on: Josef's msgpack frames or Kafka's binary protocol. */
  readonly protocol: ProtocolName;
  /**
   * The listener the connection came in on (Kafka's listener name, PLAINTEXT by default):
   * Metadata and FindCoordinator answer with the brokers' addresses on the same listener.
   */
  readonly listenerName: string;
  /**
   * Who sent it, as Kafka names principals: `User:NAME` once SASL authenticated the connection,
   * `User:ANONYMOUS` on a listener that authenticates nobody.
   */
  readonly principal: string;
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
