/**
 * FrameReader against a simulated socket: the reads Node would make through `onread` (into the
 * buffer the reader names, at most its length, as much as has "arrived"), and 'data' chunks.
 */
import fc from 'fast-check';
import { FRAME_LENGTH_BYTES, FrameTooLargeError } from '../../../src/protocol/frame';
import { FrameReader } from '../../../src/protocol/frame-reader';

function frameOf(value: Buffer): Buffer {
  const prefix = Buffer.alloc(FRAME_LENGTH_BYTES);
  prefix.writeUInt32BE(value.length, 0);
  return Buffer.concat([prefix, value]);
}

/** A value whose bytes say where they are, so a misplaced copy shows. */
function valueOf(length: number, seed: number): Buffer {
  const value = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) value[i] = (i * 7 + seed) & 0xff;
  return value;
}

/** Feeds `stream` through the onread path, each read at most `readSizes[i]` bytes (cycling); returns the buffers read into. */
function readThroughOnread(reader: FrameReader, stream: Buffer, readSizes: number[], onError = (err: unknown): void => { throw err; }): Buffer[] {
  const { buffer, callback } = reader.onread(onError);
  const targets: Buffer[] = [];
  let at = 0;
  for (let i = 0; at < stream.length; i++) {
    const target = buffer();
    targets.push(target);
    const n = Math.min(target.length, readSizes[i % readSizes.length], stream.length - at);
    stream.copy(target, 0, at, at + n);
    at += n;
    if (!callback(n)) break;
  }
  return targets;
}

describe('FrameReader', () => {
  const collect = (reader: FrameReader): Buffer[] => {
    const frames: Buffer[] = [];
    reader.onFrame = (frame) => frames.push(Buffer.from(frame)); // a copy: the test checks values, not memory
    return frames;
  };

  it('cuts any stream, however it is read, into the frames it carries (fast-check)', () => {
    const values = fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 16_000, max: 200_000 })), { minLength: 1, maxLength: 8 });
    const reads = fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 6 });
    fc.assert(fc.property(values, reads, fc.boolean(), (lengths, readSizes, viaData) => {
      const expected = lengths.map((length, i) => valueOf(length, i));
      const stream = Buffer.concat(expected.map(frameOf));
      const reader = new FrameReader(1 << 20);
      const frames = collect(reader);
      if (viaData) {
        for (let at = 0, i = 0; at < stream.length; i++) {
          const n = readSizes[i % readSizes.length];
          reader.push(stream.subarray(at, at + n));
          at += n;
        }
      } else {
        readThroughOnread(reader, stream, readSizes);
      }
      expect(frames.length).toBe(expected.length);
      frames.forEach((frame, i) => expect(frame.equals(expected[i])).toBe(true));
    }), { numRuns: 100 });
  });

  it('gives each frame memory of its own, and reads the rest of a large frame straight into it', () => {
    const small = valueOf(100, 1);
    const large = valueOf(300_000, 2);
    const reader = new FrameReader(1 << 20);
    const frames: Buffer[] = [];
    reader.onFrame = (frame) => frames.push(frame);
    const targets = readThroughOnread(reader, Buffer.concat([frameOf(small), frameOf(large), frameOf(small)]), [65_536]);
    expect(frames.map((f) => f.length)).toEqual([100, 300_000, 100]);
    // The first read went into the reader's read buffer; the small frames were copied out of it.
    const readBuffer = targets[0].buffer;
    for (const frame of frames) expect(frame.buffer).not.toBe(readBuffer);
    // After the first 64 KiB, the large frame's remaining bytes were read into its own memory.
    expect(targets.filter((t) => t.buffer === frames[1].buffer).length).toBeGreaterThan(2);
    expect(frames[0].equals(small) && frames[1].equals(large) && frames[2].equals(small)).toBe(true);
  });

  it('reuses a large frame\'s memory once it is handed back', () => {
    const reader = new FrameReader(1 << 20);
    const frames: Buffer[] = [];
    reader.onFrame = (frame) => frames.push(frame);
    readThroughOnread(reader, frameOf(valueOf(100_000, 3)), [65_536]);
    reader.recycle(frames[0].subarray(10, 20)); // any view of it will do, as a Fetch response's records
    readThroughOnread(reader, frameOf(valueOf(90_000, 4)), [65_536]);
    expect(frames[1].buffer).toBe(frames[0].buffer);
    expect(frames[1].equals(valueOf(90_000, 4))).toBe(true);
  });

  it('reports an oversize frame as soon as its length is read, and stops reading', () => {
    const reader = new FrameReader(1000);
    const errors: unknown[] = [];
    const frames = collect(reader);
    const stream = Buffer.concat([frameOf(valueOf(10, 5)), frameOf(valueOf(5000, 6))]);
    const targets = readThroughOnread(reader, stream, [20], (err) => errors.push(err));
    expect(frames.length).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(FrameTooLargeError);
    expect(targets.length).toBeLessThan(stream.length / 20); // the callback said stop
    expect(() => reader.push(Buffer.alloc(4))).toThrow(FrameTooLargeError);
  });
});
