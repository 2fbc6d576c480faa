import fc from 'fast-check';
import { pack } from 'msgpackr';
import { ErrorCode } from '../../../src/common/errors';
import {
  FRAME_LENGTH_BYTES, FrameTooLargeError, InvalidFrameError, decodeRequest, decodeResponse, encodeRequest, encodeResponse, encodeResponseChunks,
  peekRequestHeader,
} from '../../../src/protocol/frame';
import { FrameDecoder } from '../../../src/protocol/frame-decoder';
import { encodeFrameChunks } from '../../../src/protocol/frame-encoder';

const header = { apiKey: 0, apiVersion: 0, correlationId: 42, clientId: 'producer-1' };

/** A hand-written frame: the length prefix and the given msgpack bytes. */
function rawFrame(msgpack: number[] | Buffer): Buffer {
  const value = Buffer.from(msgpack);
  const frame = Buffer.alloc(FRAME_LENGTH_BYTES + value.length);
  frame.writeUInt32BE(value.length, 0);
  value.copy(frame, FRAME_LENGTH_BYTES);
  return frame;
}

/** Buffers as hex: jest compares strings far faster than Buffers byte by byte. */
const hex = (buffers: Buffer[]): string[] => buffers.map((b) => b.toString('hex'));

function drain(decoder: FrameDecoder): Buffer[] {
  const frames: Buffer[] = [];
  for (let frame = decoder.next(); frame !== undefined; frame = decoder.next()) frames.push(frame);
  return frames;
}

describe('frame codec', () => {
  it('writes the length prefix and round-trips a request with nested maps and binary data', () => {
    const records = Buffer.from('batch bytes');
    const body = { acks: -1, timeoutMs: 30_000, topics: [{ name: 'orders', partitions: [{ partition: 3, records }] }] };
    const frame = encodeRequest(header, body);
    expect(frame.readUInt32BE(0)).toBe(frame.length - FRAME_LENGTH_BYTES);
    const decoded = decodeRequest(frame.subarray(FRAME_LENGTH_BYTES));
    expect(decoded).toEqual({ ...header, body });
    expect(Buffer.isBuffer((decoded.body as typeof body).topics[0].partitions[0].records)).toBe(true);
  });

  it('round-trips a response, integers past 32 bits, and undefined as null', () => {
    const body = { highWatermark: 2 ** 40 + 1, logStartOffset: -1, errorMessage: undefined };
    const decoded = decodeResponse(encodeResponse(7, body).subarray(FRAME_LENGTH_BYTES));
    expect(decoded).toEqual({ correlationId: 7, body: { highWatermark: 2 ** 40 + 1, logStartOffset: -1, errorMessage: null } });
  });

  it('gives a large message as chunks that reference its big buffers instead of copying them', () => {
    const records = [Buffer.alloc(300_000, 1), Buffer.alloc(700_000, 2), Buffer.alloc(1_500_000, 3)];
    const body = { topics: [{ name: 't', partitions: records.map((r, partition) => ({ partition, records: r })) }] };
    const frame = encodeResponseChunks(1, body);
    records.forEach((r) => expect(frame.chunks).toContain(r));
    expect(frame.bytes).toBe(frame.chunks.reduce((sum, c) => sum + c.length, 0));
    expect(frame.bytes - records.reduce((sum, r) => sum + r.length, 0)).toBeLessThan(200);
    const joined = Buffer.concat(frame.chunks);
    expect(joined.readUInt32BE(0)).toBe(frame.bytes - FRAME_LENGTH_BYTES);
    const decoded = decodeResponse(joined.subarray(FRAME_LENGTH_BYTES)).body as typeof body;
    decoded.topics[0].partitions.forEach((p, i) => expect(p.records.equals(records[i])).toBe(true));
  });

  it('writes strings byte for byte as msgpackr does, on both sides of the short-ASCII path', () => {
    for (const s of ['', 'a', 'topics', 'x'.repeat(31), 'x'.repeat(32), 'abcé', 'é', '\u007f', '\u0080', 'ok\u{1F600}']) {
      const { chunks } = encodeFrameChunks(s);
      expect(Buffer.concat(chunks).subarray(FRAME_LENGTH_BYTES).toString('hex')).toBe(pack(s).toString('hex'));
    }
  });

  it('encodes every msgpack type the messages use so that msgpackr reads back the same values (fast-check)', () => {
    const leaf = fc.oneof(
      fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), fc.maxSafeInteger(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null),
      fc.string({ unit: 'binary' }), fc.string({ minLength: 30, maxLength: 300 }), fc.constant('é'.repeat(33_000)),
      fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)), fc.constantFrom(1023, 1024, 65_535, 65_536, 70_000).map((n) => Buffer.alloc(n, 7)),
    );
    const key = fc.string().filter((k) => k !== '__proto__'); // msgpackr renames that key when decoding
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 17 }), fc.dictionary(key, tie('value'), { maxKeys: 17 })),
    }));
    // Buffers as hex: jest compares strings far faster than Buffers.
    const comparable = (v: unknown): unknown => {
      if (Buffer.isBuffer(v)) return `bin:${v.toString('hex')}`;
      if (Array.isArray(v)) return v.map(comparable);
      if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, comparable(x)]));
      return v;
    };
    fc.assert(fc.property(value, (body) => {
      const decoded = decodeResponse(encodeResponse(9, { body }).subarray(FRAME_LENGTH_BYTES));
      expect(comparable(decoded)).toEqual(comparable({ correlationId: 9, body: { body } }));
    }), { numRuns: 200, endOnFailure: true });
  });

  it('keeps -0 (a double to msgpack, as msgpackr writes it), which the property test above draws now and then', () => {
    const decoded = decodeResponse(encodeResponse(9, { zero: -0, one: 1 }).subarray(FRAME_LENGTH_BYTES)).body as { zero: number; one: number };
    expect(Object.is(decoded.zero, -0)).toBe(true);
    expect(decoded.one).toBe(1);
  });

  it('decodes what another msgpack encoder writes: int64 as a number, arrays in 16-bit form', () => {
    // [0, 0, 7, nil, {"a": int64 5000000000}] with the array header in its array16 form.
    const int64 = Buffer.alloc(8);
    int64.writeBigInt64BE(5_000_000_000n);
    const value = Buffer.concat([Buffer.from([0xdc, 0x00, 0x05, 0x00, 0x00, 0x07, 0xc0, 0x81, 0xa1, 0x61, 0xd3]), int64]);
    expect(decodeRequest(value)).toEqual({ apiKey: 0, apiVersion: 0, correlationId: 7, clientId: null, body: { a: 5_000_000_000 } });
  });

  it('shares memory between a decoded bin and its frame (documented: copy what you keep)', () => {
    const frame = encodeRequest(header, { records: Buffer.from('abc') }).subarray(FRAME_LENGTH_BYTES);
    const records = (decodeRequest(frame).body as { records: Buffer }).records;
    expect(records.buffer).toBe(frame.buffer);
  });

  it.each([
    ['not msgpack', [0xc1, 0xc1, 0xc1], undefined],
    ['not an array', [0x81, 0xa1, 0x61, 0x01], undefined],
    ['four elements', [0x94, 0x00, 0x00, 0x09, 0xc0], 9],
    ['a body that is not a map', [0x95, 0x00, 0x00, 0x09, 0xc0, 0x05], 9],
    ['a clientId that is a number', [0x95, 0x00, 0x00, 0x09, 0x01, 0x80], 9],
    ['a fractional correlationId', [0x95, 0x00, 0x00, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0xc0, 0x80], undefined],
    ['an apiKey past int16', [0x95, 0xce, 0x00, 0x01, 0x00, 0x00, 0x00, 0x09, 0xc0, 0x80], 9],
    ['a truncated body after a good header', [0x95, 0x00, 0x00, 0x09, 0xc0, 0x82, 0xa1], 9],
    ['trailing bytes', [0x95, 0x00, 0x00, 0x09, 0xc0, 0x80, 0x00], 9],
  ])('rejects a request with %s, keeping the correlation id when readable', (_what, bytes, correlationId) => {
    const decode = (): unknown => decodeRequest(Buffer.from(bytes as number[]));
    expect(decode).toThrow(InvalidFrameError);
    try {
      decode();
    } catch (err) {
      expect((err as InvalidFrameError).correlationId).toBe(correlationId);
      expect((err as InvalidFrameError).code).toBe(ErrorCode.INVALID_REQUEST.code);
    }
  });

  it('rejects malformed responses', () => {
    expect(() => decodeResponse(Buffer.from([0x92, 0x01, 0x05]))).toThrow(/body for correlationId 1 is not a map/);
    expect(() => decodeResponse(Buffer.from([0x91, 0x01]))).toThrow(/1 elements, not 2/);
    expect(() => decodeResponse(Buffer.from([0x92, 0x01]))).toThrow(/not msgpack/);
    expect(() => decodeResponse(Buffer.from([0x01]))).toThrow(/not a msgpack array/);
  });

  it('peeks the request header from the first bytes of a value, in every integer width', () => {
    const frame = encodeRequest({ ...header, apiKey: 1, correlationId: 70_000 }, { big: Buffer.alloc(100) });
    expect(peekRequestHeader(frame.subarray(FRAME_LENGTH_BYTES, FRAME_LENGTH_BYTES + 12))).toEqual({
      apiKey: 1, apiVersion: 0, correlationId: 70_000,
    });
    expect(peekRequestHeader(Buffer.from([0x95, 0xd0, 0xff, 0xcd, 0x00, 0x01, 0xd2, 0xff, 0xff, 0xff, 0xfe]))).toEqual({
      apiKey: -1, apiVersion: 1, correlationId: -2,
    });
    expect(peekRequestHeader(Buffer.from([0x95, 0x00, 0x00, 0xce, 0x00]))).toBeUndefined(); // cut short
    expect(peekRequestHeader(Buffer.from([0x81, 0x00]))).toBeUndefined(); // not an array
  });
});

describe('FrameDecoder', () => {
  const frames = [
    encodeRequest(header, { n: 1 }),
    encodeRequest({ ...header, correlationId: 43 }, { records: Buffer.alloc(300, 9) }),
    rawFrame([]),
    encodeRequest({ ...header, correlationId: 44 }, { s: 'é'.repeat(50) }),
  ];
  const stream = Buffer.concat(frames);
  const values = frames.map((f) => f.subarray(FRAME_LENGTH_BYTES));

  it('returns many frames from one chunk, as views of it', () => {
    const decoder = new FrameDecoder(1024, 'requests');
    decoder.push(stream);
    const out = drain(decoder);
    expect(out).toEqual(values);
    expect(out[1].buffer).toBe(stream.buffer);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('reassembles the stream split at every byte boundary', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new FrameDecoder(1024, 'requests');
      decoder.push(stream.subarray(0, cut));
      const out = drain(decoder);
      decoder.push(stream.subarray(cut));
      out.push(...drain(decoder));
      expect(hex(out)).toEqual(hex(values));
    }
  });

  it('reassembles the stream fed one byte at a time', () => {
    const decoder = new FrameDecoder(1024, 'requests');
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) {
      decoder.push(stream.subarray(i, i + 1));
      out.push(...drain(decoder));
    }
    expect(out).toEqual(values);
  });

  it('reassembles any stream cut into any chunks (fast-check; a failure prints its seed)', () => {
    const value = fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), (bodies, cutPoints) => {
        const whole = Buffer.concat(bodies.map(rawFrame));
        const cuts = [...new Set(cutPoints.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b);
        const decoder = new FrameDecoder(200, 'responses');
        const out: Buffer[] = [];
        let from = 0;
        for (const to of [...cuts, whole.length]) {
          decoder.push(whole.subarray(from, to));
          out.push(...drain(decoder));
          from = to;
        }
        expect(hex(out)).toEqual(hex(bodies));
        expect(decoder.bufferedBytes).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  // 16 KiB and a little: a Produce of one full 16 KiB batch, as librdkafka sends them.
  it.each([100 * 1024, 16 * 1024 + 80])('reuses the memory of a recycled large frame (%i bytes) for the next one, and only then', (bytes) => {
    const big = (fill: number): Buffer => rawFrame(Buffer.alloc(bytes, fill));
    const feedInHalves = (decoder: FrameDecoder, frame: Buffer): Buffer => {
      decoder.push(Buffer.from(frame.subarray(0, 1000)));
      decoder.push(Buffer.from(frame.subarray(1000)));
      return decoder.next()!;
    };
    const decoder = new FrameDecoder(1 << 20, 'requests');
    const first = feedInHalves(decoder, big(1));
    const second = feedInHalves(decoder, big(2));
    expect(second.buffer).not.toBe(first.buffer); // not recycled: each keeps its own memory
    expect(first.every((b) => b === 1)).toBe(true);
    decoder.recycle(first);
    const third = feedInHalves(decoder, big(3));
    expect(third.buffer).toBe(first.buffer);
    expect(third.every((b) => b === 3)).toBe(true);
    expect(second.every((b) => b === 2)).toBe(true);
    decoder.recycle(values[0]); // a view of nothing lent: ignored
  });

  it('reports an oversize frame from its length prefix alone, before the body arrives', () => {
    const decoder = new FrameDecoder(100, 'requests');
    decoder.push(Buffer.from([0x00, 0x00, 0x01]));
    expect(decoder.next()).toBeUndefined();
    decoder.push(Buffer.from([0x00]));
    expect(() => decoder.next()).toThrow(FrameTooLargeError);
    expect(() => decoder.next()).toThrow(/frame of 256 bytes is over the maximum of 100 bytes/);
  });

  it('reads the correlation id of an oversize request from the bytes already here', () => {
    const frame = encodeRequest({ ...header, correlationId: 12345 }, { records: Buffer.alloc(500) });
    const decoder = new FrameDecoder(100, 'requests');
    decoder.push(frame.subarray(0, 2));
    decoder.push(frame.subarray(2, 40));
    let error: unknown;
    try {
      decoder.next();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FrameTooLargeError);
    expect((error as FrameTooLargeError).correlationId).toBe(12345);
    expect((error as FrameTooLargeError).code).toBe(ErrorCode.MESSAGE_TOO_LARGE.code);
    expect((error as FrameTooLargeError).frameBytes).toBe(frame.length - FRAME_LENGTH_BYTES);
  });

  it('accepts a frame of exactly the maximum size', () => {
    const decoder = new FrameDecoder(10, 'responses');
    decoder.push(rawFrame(Buffer.alloc(10, 1)));
    expect(decoder.next()).toEqual(Buffer.alloc(10, 1));
  });
});
