import { KafkaReader, LastString } from '../../../../src/protocol/kafka/kafka-reader';

describe('LastString', () => {
  it('gives the same string for the same bytes, wherever they are', () => {
    const last = new LastString();
    const first = last.decode(Buffer.from('xxtopic-a'), 2, 7);
    expect(first).toBe('topic-a');
    expect(last.decode(Buffer.from('topic-ayy'), 0, 7)).toBe('topic-a');
  });

  it('decodes anew when a byte differs, at the start, the end or the length', () => {
    const last = new LastString();
    last.decode(Buffer.from('topic-a'), 0, 7);
    expect(last.decode(Buffer.from('topic-b'), 0, 7)).toBe('topic-b');
    expect(last.decode(Buffer.from('Topic-b'), 0, 7)).toBe('Topic-b');
    expect(last.decode(Buffer.from('Topic-b2'), 0, 8)).toBe('Topic-b2');
    expect(last.decode(Buffer.from('Topic-b2'), 0, 0)).toBe('');
  });

  it('keeps a copy of the bytes, not a view: a reused frame does not change what it remembers', () => {
    const last = new LastString();
    const frame = Buffer.from('topic-a');
    last.decode(frame, 0, 7);
    frame.write('topic-z');
    expect(last.decode(frame, 0, 7)).toBe('topic-z');
    expect(last.decode(Buffer.from('topic-a'), 0, 7)).toBe('topic-a');
  });

  it('decodes strings longer than it remembers every time, correctly', () => {
    const last = new LastString();
    const long = 'é'.repeat(40); // 80 bytes of UTF-8
    const bytes = Buffer.from(long);
    expect(last.decode(bytes, 0, bytes.length)).toBe(long);
    expect(last.decode(Buffer.from('short'), 0, 5)).toBe('short');
    expect(last.decode(bytes, 0, bytes.length)).toBe(long);
  });

  it('is what KafkaReader.utf8 answers with, checking the length against the frame first', () => {
    const last = new LastString();
    const r = new KafkaReader(Buffer.from('abcabc'));
    expect(r.utf8(3, 'x', last)).toBe('abc');
    expect(r.utf8(3, 'x', last)).toBe('abc');
    expect(() => r.utf8(1, 'x', last)).toThrow(/needs 1 byte/);
  });
});
