/**
 * One Kafka-protocol connection kept open across requests, for tests that play a client step by
 * step (a SASL exchange written by hand, a request sent after a refusal): each request waits for
 * its answer, and fails once the broker closes the connection.
 */
import * as net from 'net';
import type { Struct } from '../../src/protocol/kafka/codec';
import { kafkaRequest, readKafkaResponse } from './kafka-wire';
import { rawClient, type RawClient } from './raw-client';
import { waitFor } from './wait';

export class KafkaSession {
  private correlationId = 0;

  private constructor(private readonly raw: RawClient) {}

  static async open(host: string, port: number): Promise<KafkaSession> {
    return new KafkaSession(await rawClient(host, port));
  }

  get socket(): net.Socket {
    return this.raw.socket;
  }

  /** Sends `body` as `apiKey` at `apiVersion` and resolves with the answer; rejects when the broker closes first. */
  async request(apiKey: number, apiVersion: number, body: Struct, timeoutMs = 30_000): Promise<Struct> {
    const correlationId = ++this.correlationId;
    const seen = this.raw.frames.length;
    this.raw.socket.write(kafkaRequest(apiKey, apiVersion, correlationId, body, 'josef-test'));
    const frame = await waitFor(() => {
      if (this.raw.frames.length > seen) return this.raw.frames[seen];
      if (this.raw.closed()) throw new Error(`the broker closed the connection without an answer to API ${apiKey} v${apiVersion}`);
      return undefined;
    }, { timeoutMs, intervalMs: 5, message: `an answer to API ${apiKey} v${apiVersion}` });
    const answer = readKafkaResponse(frame, apiKey, apiVersion);
    if (answer.correlationId !== correlationId) throw new Error(`answer ${answer.correlationId} to request ${correlationId}`);
    return answer.body;
  }

  /** Resolves once the broker has closed the connection. */
  async closedByBroker(timeoutMs = 10_000): Promise<void> {
    await waitFor(() => this.raw.closed(), { timeoutMs, intervalMs: 10, message: 'the broker to close the connection' });
  }

  close(): void {
    this.raw.socket.destroy();
  }
}
