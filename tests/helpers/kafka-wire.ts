/**
 * Kafka's wire protocol from the client's side, for tests: a request framed as a Kafka client
 * frames it (header v1, or v2 in flexible versions) and a response read back, both through the
 * codecs the broker derives from Josef's message descriptions, so a test can speak any version
 * of any described API over a raw socket or round-trip a message through its codec.
 */
import net from 'net';
import { codecsFor, kafkaApiFor } from '../../src/protocol/kafka/apis';
import type { Struct, StructCodec } from '../../src/protocol/kafka/codec';
import { KafkaReader } from '../../src/protocol/kafka/kafka-reader';
import { KafkaWriter } from '../../src/protocol/kafka/kafka-writer';

function bytesOf(chunks: { chunks: Buffer[] }): Buffer {
  return Buffer.concat(chunks.chunks);
}

/** `value` written by `codec` and read back by it; throws if the read does not use every byte. */
export function roundTrip(codec: StructCodec, value: Struct): Struct {
  const w = new KafkaWriter(true);
  codec.write(w, value);
  const bytes = bytesOf(w.finish());
  const r = new KafkaReader(bytes);
  const read = codec.read(r);
  if (r.remaining !== 0) throw new Error(`${r.remaining} byte(s) left after reading the message back`);
  return read;
}

function codecs(apiKey: number, version: number): ReturnType<typeof codecsFor> {
  const api = kafkaApiFor(apiKey);
  if (api === undefined) throw new Error(`API key ${apiKey} is not described`);
  return codecsFor(api, version);
}

/** A whole request frame (length prefix included) as a Kafka client sends it. */
export function kafkaRequestFrame(apiKey: number, version: number, correlationId: number, body: Struct, clientId = 'josef-test'): Buffer {
  const { flexible, request } = codecs(apiKey, version);
  const w = new KafkaWriter(true);
  w.startFrame();
  w.int16(apiKey);
  w.int16(version);
  w.int32(correlationId);
  w.string(clientId, false); // the client id keeps its int16 length in every header version
  if (flexible) w.uvarint(0);
  request.write(w, body);
  return bytesOf(w.finishFrame());
}

/** Sends one request on a fresh connection to `port` and reads its answer: the correlation id and the decoded body. */
export async function kafkaCall(port: number, apiKey: number, version: number, body: Struct, host = '127.0.0.1'): Promise<{ correlationId: number; body: Struct }> {
  const socket = net.connect(port, host);
  try {
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const correlationId = 4242;
    socket.write(kafkaRequestFrame(apiKey, version, correlationId, body));
    const frame = await new Promise<Buffer>((resolve, reject) => {
      let received = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) resolve(received.subarray(4, 4 + received.readInt32BE(0)));
      });
      socket.once('error', reject);
      socket.once('close', () => reject(new Error(`the broker closed the connection without answering API ${apiKey} v${version}`)));
    });
    const { flexible, response } = codecs(apiKey, version);
    const r = new KafkaReader(frame);
    const answeredId = r.int32();
    if (flexible) r.skip(r.uvarint(), 'response header tagged fields');
    return { correlationId: answeredId, body: response.read(r) };
  } finally {
    socket.destroy();
  }
}
