/**
 * Golden Kafka frames for the protocol tests: tests/fixtures/kafka/golden.json (requests and
 * responses encoded by kafka-python, written by golden.py there) and clients.jsonl (requests real
 * clients sent, recorded through record/capture-proxy.py). Frames go through KafkaProtocol as a
 * broker's connection would take them, without a socket.
 */
import { readFileSync } from 'fs';
import path from 'path';
import { ApiKey } from '../../src/protocol/api-keys';
import type { DecodedRequest } from '../../src/protocol/frame';
import { KafkaProtocol } from '../../src/protocol/kafka/kafka-protocol';
import type { RequestFailure } from '../../src/protocol/wire-protocol';

const fixtures = path.join(__dirname, '..', 'fixtures', 'kafka');

/** The frames of one API version, in hex, each without its 4-byte length. */
export type GoldenFrames = Record<string, string>;

const golden = JSON.parse(readFileSync(path.join(fixtures, 'golden.json'), 'utf8')) as Record<string, Record<string, GoldenFrames>>;

/** kafka-python's frames of `api` (Kafka's name) at `version`. */
export function goldenFrames(api: string, version: number): GoldenFrames {
  const frames = golden[api]?.[String(version)];
  if (frames === undefined) throw new Error(`tests/fixtures/kafka/golden.json has no ${api} v${version}`);
  return frames;
}

export interface RecordedExchange {
  clientId: string;
  apiKey: number;
  version: number;
  request: string;
  response: string;
}

const recorded = readFileSync(path.join(fixtures, 'clients.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as RecordedExchange);

/** What the client named by its client id sent for `apiKey` at `version` (the first of them, or the nth). */
export function recordedRequest(clientId: string, apiKey: number, version: number, nth = 0): string {
  const found = recorded.filter((e) => e.clientId === clientId && e.apiKey === apiKey && e.version === version)[nth];
  if (found === undefined) throw new Error(`tests/fixtures/kafka/clients.jsonl has no request ${nth} of ${clientId} for API ${apiKey} v${version}`);
  return found.request;
}

/** A broker's Kafka protocol offering every API (as one with a group coordinator does). */
export const protocol = new KafkaProtocol((apiKey) => Object.values(ApiKey).includes(apiKey as never));

/** The request the dispatcher would get for this frame; fails the test on anything else. */
export function decodeRequest(hex: string): DecodedRequest {
  const decoded = protocol.decode(Buffer.from(hex, 'hex'));
  if (decoded.kind !== 'request') throw new Error(`the frame was not decoded into a request: ${JSON.stringify(decoded)}`);
  return decoded.request;
}

/** The frame (hex, without its length) that answers `request` with a handler's result. */
export function encodeResponse(request: DecodedRequest, result: object | RequestFailure): string {
  const { chunks } = protocol.encode(request, result);
  return Buffer.concat(chunks).subarray(4).toString('hex');
}

/** Every version from `min` to `max`, for it.each. */
export function versions(min: number, max: number): number[] {
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

/** Hand-written frames for what kafka-python has no class for: Kafka's primitives, big-endian. */
export function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}

export function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

export function int64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
}

/** A string with its int16 length; null is -1. */
export function str(s: string | null): Buffer {
  return s === null ? int16(-1) : Buffer.concat([int16(Buffer.byteLength(s)), Buffer.from(s)]);
}

export function hex(...parts: Buffer[]): string {
  return Buffer.concat(parts).toString('hex');
}
