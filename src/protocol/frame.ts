/**
 * Josef's frame codec: a frame is a 4-byte big-endian length followed by one msgpack value; a
 * request is `[apiKey, apiVersion, correlationId, clientId, body]`, a response
 * `[correlationId, body]`. Encoding (frame-encoder.ts) gives the frame as chunks for one gathered
 * write, with record batches referenced rather than copied; decoding checks the envelope's shape and fails with InvalidFrameError, carrying the
 * correlation id whenever it could be read, so the server can answer before it closes.
 *
 * Memory sharing: a decoded msgpack bin (e.g. Produce `records`, Fetch `records`) is a view into
 * the frame it came from, not a copy. The broker checks and appends produced bytes synchronously,
 * so sharing is free there; anything kept past the handler (a retained record, a cached body)
 * must be copied with Buffer.from(view), or it pins (and may see reuse of) the whole frame.
 */
import { Unpackr } from 'msgpackr';
import { ErrorCode, JosefError } from '../common/errors';
import { encodeFrameChunks, type FrameChunks } from './frame-encoder';

export type { FrameChunks } from './frame-encoder';

/** Bytes of the length prefix (Kafka's size field). */
export const FRAME_LENGTH_BYTES = 4;
/** Kafka's `socket.request.max.bytes` default (100 MiB): the largest request a broker reads. */
export const REQUEST_BYTES_MAX_DEFAULT = 100 * 1024 * 1024;

/**
 * Decoding: plain msgpack maps and arrays (no msgpackr records), so that any msgpack library can
 * talk to Josef; 64-bit integers from other encoders decode as numbers. Encoding is
 * frame-encoder.ts, which writes integers beyond 32 bits as float64, exact up to 2^53, which
 * covers every offset Josef can reach, and `undefined` as nil (every optional field is `| null`).
 */
const unpackr = new Unpackr({
  useRecords: false,
  mapsAsObjects: true,
  int64AsType: 'number',
});

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/** A body as it comes off the wire: a msgpack map. Handlers read it as their API's request type. */
export type MessageBody = Record<string, unknown>;

export interface DecodedRequest extends RequestHeader {
  body: MessageBody;
}

export interface DecodedResponse {
  correlationId: number;
  body: MessageBody;
}

/** A frame that is not a valid request or response. Carries the correlation id if it was readable. */
export class InvalidFrameError extends JosefError {
  constructor(
    detail: string,
    readonly correlationId: number | undefined,
    info = ErrorCode.INVALID_REQUEST,
  ) {
    super(info, detail);
    this.name = 'InvalidFrameError';
  }
}

/** A length prefix over the receiver's maximum; reported before any of the body is buffered. */
export class FrameTooLargeError extends InvalidFrameError {
  constructor(
    readonly frameBytes: number,
    readonly frameBytesMax: number,
    correlationId: number | undefined,
  ) {
    super(`frame of ${frameBytes} bytes is over the maximum of ${frameBytesMax} bytes`, correlationId, ErrorCode.MESSAGE_TOO_LARGE);
    this.name = 'FrameTooLargeError';
  }
}

export function encodeRequest(header: RequestHeader, body: object): Buffer {
  return joinChunks(encodeRequestChunks(header, body));
}

export function encodeResponse(correlationId: number, body: object): Buffer {
  return joinChunks(encodeResponseChunks(correlationId, body));
}

/** A request frame as chunks for one gathered write; large binary values are referenced, not copied (frame-encoder.ts). */
export function encodeRequestChunks(header: RequestHeader, body: object): FrameChunks {
  return encodeFrameChunks([header.apiKey, header.apiVersion, header.correlationId, header.clientId, body]);
}

/** A response frame as chunks for one gathered write; large binary values are referenced, not copied (frame-encoder.ts). */
export function encodeResponseChunks(correlationId: number, body: object): FrameChunks {
  return encodeFrameChunks([correlationId, body]);
}

function joinChunks(frame: FrameChunks): Buffer {
  return frame.chunks.length === 1 ? frame.chunks[0] : Buffer.concat(frame.chunks, frame.bytes);
}

/** Decodes a request frame's value (without the length prefix) and checks the envelope. */
export function decodeRequest(frame: Buffer): DecodedRequest {
  const envelope = unpackEnvelope(frame, 'request', () => peekRequestHeader(frame)?.correlationId);
  const [apiKey, apiVersion, correlationId, clientId, body] = envelope;
  const known = isInt32(correlationId) ? correlationId : undefined;
  const fail = (what: string): never => {
    throw new InvalidFrameError(`request ${what}`, known);
  };
  if (envelope.length !== 5) return fail(`envelope has ${envelope.length} elements, not 5`);
  if (!isInt16(apiKey)) return fail(`apiKey ${String(apiKey)} is not a 16-bit integer`);
  if (!isInt16(apiVersion)) return fail(`apiVersion ${String(apiVersion)} is not a 16-bit integer`);
  if (known === undefined) return fail(`correlationId ${String(correlationId)} is not a 32-bit integer`);
  if (clientId !== null && typeof clientId !== 'string') return fail('clientId is neither a string nor nil');
  if (!isMap(body)) return fail(`body of apiKey ${apiKey} is not a map`);
  return { apiKey, apiVersion, correlationId: known, clientId, body };
}

/** Decodes a response frame's value (without the length prefix) and checks the envelope. */
export function decodeResponse(frame: Buffer): DecodedResponse {
  const envelope = unpackEnvelope(frame, 'response', () => undefined);
  const [correlationId, body] = envelope;
  const known = isInt32(correlationId) ? correlationId : undefined;
  if (envelope.length !== 2) throw new InvalidFrameError(`response envelope has ${envelope.length} elements, not 2`, known);
  if (known === undefined) throw new InvalidFrameError(`response correlationId ${String(correlationId)} is not a 32-bit integer`, undefined);
  if (!isMap(body)) throw new InvalidFrameError(`response body for correlationId ${known} is not a map`, known);
  return { correlationId: known, body };
}

function unpackEnvelope(frame: Buffer, kind: string, correlationId: () => number | undefined): unknown[] {
  let value: unknown;
  try {
    value = unpackr.unpack(frame);
  } catch (err) {
    // msgpackr's messages can quote the data; keep them short.
    const reason = (err instanceof Error ? err.message : String(err)).slice(0, 120);
    throw new InvalidFrameError(`${kind} of ${frame.length} bytes is not msgpack: ${reason}`, correlationId());
  }
  if (!Array.isArray(value)) throw new InvalidFrameError(`${kind} is not a msgpack array`, correlationId());
  return value;
}

/**
 * Reads apiKey, apiVersion and correlationId from the first bytes of a request's msgpack value,
 * without decoding the rest: enough to answer a frame that is too large or whose body is broken.
 * Undefined when those bytes are not the start of a request envelope.
 */
export function peekRequestHeader(bytes: Buffer): Pick<RequestHeader, 'apiKey' | 'apiVersion' | 'correlationId'> | undefined {
  let position = arrayHeaderBytes(bytes);
  if (position === undefined) return undefined;
  const ints: number[] = [];
  while (ints.length < 3) {
    const read = readMsgpackInt(bytes, position);
    if (read === undefined) return undefined;
    ints.push(read.value);
    position = read.next;
  }
  const [apiKey, apiVersion, correlationId] = ints;
  if (!isInt16(apiKey) || !isInt16(apiVersion) || !isInt32(correlationId)) return undefined;
  return { apiKey, apiVersion, correlationId };
}

function arrayHeaderBytes(bytes: Buffer): number | undefined {
  if (bytes.length < 1) return undefined;
  const tag = bytes[0];
  if (tag >= 0x90 && tag <= 0x9f) return 1;
  if (tag === 0xdc && bytes.length >= 3) return 3;
  if (tag === 0xdd && bytes.length >= 5) return 5;
  return undefined;
}

/** The msgpack integer at `at`, in any of its encodings, or undefined if there is none whole. */
function readMsgpackInt(bytes: Buffer, at: number): { value: number; next: number } | undefined {
  if (at >= bytes.length) return undefined;
  const tag = bytes[at];
  if (tag <= 0x7f) return { value: tag, next: at + 1 };
  if (tag >= 0xe0) return { value: tag - 0x100, next: at + 1 };
  const width = intWidthBytes[tag];
  if (width === undefined || at + 1 + width > bytes.length) return undefined;
  const o = at + 1;
  const next = o + width;
  switch (tag) {
    case 0xcc: return { value: bytes.readUInt8(o), next };
    case 0xcd: return { value: bytes.readUInt16BE(o), next };
    case 0xce: return { value: bytes.readUInt32BE(o), next };
    case 0xcf: return { value: Number(bytes.readBigUInt64BE(o)), next };
    case 0xd0: return { value: bytes.readInt8(o), next };
    case 0xd1: return { value: bytes.readInt16BE(o), next };
    case 0xd2: return { value: bytes.readInt32BE(o), next };
    default: return { value: Number(bytes.readBigInt64BE(o)), next };
  }
}

/** msgpack's sized integer tags and the bytes that follow each. */
const intWidthBytes: Partial<Record<number, number>> = {
  0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8,
};

function isInt16(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= -0x8000 && (value as number) <= 0x7fff;
}

function isInt32(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= -0x80000000 && (value as number) <= 0x7fffffff;
}

/** A decoded msgpack map: a plain object (not an array, a Buffer, a Date or another extension). */
function isMap(value: unknown): value is MessageBody {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
