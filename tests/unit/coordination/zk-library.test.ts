import { Writable } from 'stream';
import { frameSplitter, writePerTurn } from '../../../src/coordination/zk-library';

/** A stream that records what each of its system-call stand-ins (write or writev) was given. */
function recordingStream(): { stream: Writable; calls: string[][] } {
  const calls: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      calls.push([chunk.toString()]);
      done();
    },
    writev(chunks, done) {
      calls.push(chunks.map((c) => (c.chunk as Buffer).toString()));
      done();
    },
  });
  return { stream, calls };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('writePerTurn', () => {
  it('writes what one turn gives in one call, in order, and the next turn\'s in another', async () => {
    const { stream, calls } = recordingStream();
    writePerTurn(stream);
    for (const request of ['a', 'b', 'c']) stream.write(request);
    // Requests sent as earlier ones are answered (promise callbacks) belong to the same turn.
    await Promise.resolve();
    stream.write('d');
    expect(calls).toEqual([]);
    await turn();
    expect(calls).toEqual([['a', 'b', 'c', 'd']]);
    stream.write('e');
    await turn();
    expect(calls).toEqual([['a', 'b', 'c', 'd'], ['e']]);
  });

  it('once stopped, writes what it holds and then each write at once', async () => {
    const { stream, calls } = recordingStream();
    const stop = writePerTurn(stream);
    stream.write('a');
    stream.write('b');
    stop();
    expect(calls).toEqual([['a', 'b']]);
    stream.write('c');
    expect(calls).toEqual([['a', 'b'], ['c']]);
    await turn();
    expect(calls).toEqual([['a', 'b'], ['c']]);
  });

  it('answers false past the high water mark, and drains once the turn\'s writes are out', async () => {
    const { stream, calls } = recordingStream();
    writePerTurn(stream);
    const big = 'x'.repeat(stream.writableHighWaterMark);
    expect(stream.write('small')).toBe(true);
    expect(stream.write(big)).toBe(false);
    const drained = new Promise<void>((resolve) => stream.once('drain', resolve));
    await turn();
    await drained;
    expect(calls).toEqual([['small', big]]);
  });
});

/** A ZooKeeper frame: its length, then `body`. */
function frame(body: string): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(Buffer.byteLength(body));
  return Buffer.concat([length, Buffer.from(body)]);
}

describe('frameSplitter', () => {
  it('passes each whole frame by itself, however the stream was cut into reads', () => {
    const frames = ['first', '', 'a longer third frame', 'x'].map(frame);
    const stream = Buffer.concat(frames);
    for (const cuts of [[stream.length], [1, 3, 4, 9, 10, 11, 30, stream.length], [2, 20, stream.length - 1, stream.length]]) {
      const got: Buffer[] = [];
      const read = frameSplitter((f) => got.push(Buffer.from(f)));
      let from = 0;
      for (const to of cuts) {
        read(stream.subarray(from, to));
        from = to;
      }
      expect(got).toEqual(frames);
    }
  });

  it('starts from a frame\'s beginning read before it took over', () => {
    const whole = frame('carried over');
    const got: string[] = [];
    const read = frameSplitter((f) => got.push(f.subarray(4).toString()), whole.subarray(0, 6));
    read(Buffer.concat([whole.subarray(6), frame('next')]));
    expect(got).toEqual(['carried over', 'next']);
  });
});
