/**
 * One request in Kafka's binary protocol over its own connection, written and read with Josef's
 * description of the API (src/protocol/kafka): for a Kafka API that no installed client sends
 * (ElectLeaders: KafkaJS 2.2.4, kafka-python 2.0.2 and confluent-kafka 1.7 have none).
 */
import * as net from 'net';
import type { Struct } from '../../src/protocol/kafka/codec';
import { kafkaRequest, readKafkaResponse } from './kafka-wire';

/** Sends `body` as `apiKey` at `apiVersion` and resolves with the response's message. */
export function sendKafkaRequest(host: string, port: number, apiKey: number, apiVersion: number, body: Struct, timeoutMs = 30_000): Promise<Struct> {
  const correlationId = 7;
  const frame = kafkaRequest(apiKey, apiVersion, correlationId, body, 'josef-test');
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host, () => socket.write(frame));
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error(`no answer to API ${apiKey} v${apiVersion} from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error(`${host}:${port} closed the connection without an answer to API ${apiKey} v${apiVersion}`)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4 || received.length < 4 + received.readUInt32BE(0)) return;
      clearTimeout(timer);
      socket.removeAllListeners('close');
      socket.destroy();
      try {
        const answer = readKafkaResponse(received.subarray(4, 4 + received.readUInt32BE(0)), apiKey, apiVersion);
        if (answer.correlationId !== correlationId) throw new Error('the answer has another correlation id');
        resolve(answer.body);
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}
