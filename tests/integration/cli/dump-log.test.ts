/**
 * `josef dump-log` run as a real process over segment files written byte by byte: batch and record
 * lines as Kafka's kafka-dump-log prints them, a flipped byte reported as isvalid: false, a torn
 * tail as trailing garbage, and index entries with absolute offsets. Reading in small chunks
 * finds the same batches as reading in large ones.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { readLogFile } from '../../../src/cli/segment-file-reader';
import { encodeRecordBatch } from '../../../src/protocol/record-batch';
import { writeInt64 } from '../../../src/protocol/varint';
import { rmDir, tmpDir } from '../../helpers/tmp';

const run = promisify(execFile);
const josef = path.join(__dirname, '../../../bin/josef');
const timestampMs = 1_700_000_000_000;
const segmentName = '00000000000000000100';

async function dumpLog(...args: string[]): Promise<string[]> {
  const { stdout } = await run('node', [josef, 'dump-log', ...args], { env: process.env });
  return stdout.trimEnd().split('\n');
}

/** Three batches at offsets 100-102, 103-104 and 105, as a leader (epoch 4) would have stored them. */
function segmentBatches(): Buffer[] {
  const text = (s: string): Buffer => Buffer.from(s, 'utf8');
  return [
    encodeRecordBatch([
      { key: text('k0'), value: text('hello'), headers: [{ key: 'trace', value: text('t1') }, { key: 'app', value: null }], timestamp: timestampMs },
      { key: text('k1'), value: text('wörld'), timestamp: timestampMs + 5 },
      { key: null, value: text('no key') , timestamp: timestampMs + 7 },
    ], { baseOffset: 100, partitionLeaderEpoch: 4 }),
    encodeRecordBatch([
      { key: text('k3'), value: null, timestamp: timestampMs + 10 },
      { key: text('k4'), value: text('v4'), timestamp: timestampMs + 11 },
    ], { baseOffset: 103, partitionLeaderEpoch: 4, producerId: 77, producerEpoch: 1, baseSequence: 20 }),
    encodeRecordBatch([{ key: text('k5'), value: text('v5'), timestamp: timestampMs + 20 }], { baseOffset: 105, partitionLeaderEpoch: 4 }),
  ];
}

describe('josef dump-log', () => {
  let dir: string;
  let batches: Buffer[];
  let logPath: string;

  beforeEach(() => {
    dir = tmpDir('dump-log');
    batches = segmentBatches();
    logPath = path.join(dir, `${segmentName}.log`);
    fs.writeFileSync(logPath, Buffer.concat(batches));
  });

  afterEach(() => rmDir(dir));

  test('prints every batch and, with --print-data, every record', async () => {
    const lines = await dumpLog(logPath, '--print-data');
    const [first, second, third] = batches;
    const crc = (b: Buffer): number => b.readUInt32BE(17);
    expect(lines).toEqual([
      `Dumping ${logPath}`,
      'Starting offset: 100',
      'baseOffset: 100 lastOffset: 102 count: 3 baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 ' +
        'partitionLeaderEpoch: 4 isTransactional: false isControl: false position: 0 ' +
        `CreateTime: ${timestampMs + 7} size: ${first.length} magic: 2 compresscodec: none crc: ${crc(first)} isvalid: true`,
      `| offset: 100 CreateTime: ${timestampMs} keySize: 2 valueSize: 5 sequence: -1 headerKeys: [trace,app] key: k0 payload: hello`,
      `| offset: 101 CreateTime: ${timestampMs + 5} keySize: 2 valueSize: 6 sequence: -1 headerKeys: [] key: k1 payload: wörld`,
      `| offset: 102 CreateTime: ${timestampMs + 7} keySize: -1 valueSize: 6 sequence: -1 headerKeys: [] payload: no key`,
      'baseOffset: 103 lastOffset: 104 count: 2 baseSequence: 20 lastSequence: 21 producerId: 77 producerEpoch: 1 ' +
        `partitionLeaderEpoch: 4 isTransactional: false isControl: false position: ${first.length} ` +
        `CreateTime: ${timestampMs + 11} size: ${second.length} magic: 2 compresscodec: none crc: ${crc(second)} isvalid: true`,
      `| offset: 103 CreateTime: ${timestampMs + 10} keySize: 2 valueSize: -1 sequence: 20 headerKeys: [] key: k3`,
      `| offset: 104 CreateTime: ${timestampMs + 11} keySize: 2 valueSize: 2 sequence: 21 headerKeys: [] key: k4 payload: v4`,
      expect.stringMatching(new RegExp(`^baseOffset: 105 lastOffset: 105 count: 1 .* position: ${first.length + second.length} .* size: ${third.length} .* isvalid: true$`)),
      `| offset: 105 CreateTime: ${timestampMs + 20} keySize: 2 valueSize: 2 sequence: -1 headerKeys: [] key: k5 payload: v5`,
    ]);
  });

  test('reports a batch with a flipped byte as invalid, and a torn tail as trailing garbage, without failing', async () => {
    const bytes = fs.readFileSync(logPath);
    const secondAt = batches[0].length;
    bytes[secondAt + batches[1].length - 3] ^= 0x01; // inside the last record of the second batch
    const tornTail = 5; // the header stays whole, the records do not
    fs.writeFileSync(logPath, bytes.subarray(0, bytes.length - tornTail));

    const lines = await dumpLog(logPath);
    const batchLines = lines.filter((l) => l.startsWith('baseOffset:'));
    expect(batchLines.map((l) => /isvalid: (\w+)$/.exec(l)?.[1])).toEqual(['true', 'false']);
    const tornAt = secondAt + batches[1].length;
    expect(lines[lines.length - 1]).toBe(
      `found ${batches[2].length - tornTail} bytes of trailing garbage at position ${tornAt} ` +
      `(torn batch: ${batches[2].length} bytes declared, ${batches[2].length - tornTail} present)`);

    const withData = await dumpLog(logPath, '--print-data');
    expect(withData).toContainEqual(expect.stringMatching(/^\| invalid batch: CRC mismatch/));
  });

  test('prints .index and .timeindex entries with absolute offsets', async () => {
    const indexPath = path.join(dir, `${segmentName}.index`);
    const index = Buffer.alloc(16);
    index.writeUInt32BE(3, 0);
    index.writeUInt32BE(batches[0].length, 4);
    index.writeUInt32BE(5, 8);
    index.writeUInt32BE(batches[0].length + batches[1].length, 12);
    fs.writeFileSync(indexPath, index);
    const timeIndexPath = path.join(dir, `${segmentName}.timeindex`);
    const timeIndex = Buffer.alloc(12 * 2 + 5); // two entries and a torn third
    writeInt64(timeIndex, 0, timestampMs + 7);
    timeIndex.writeUInt32BE(2, 8);
    writeInt64(timeIndex, 12, timestampMs + 20);
    timeIndex.writeUInt32BE(5, 20);
    fs.writeFileSync(timeIndexPath, timeIndex);

    expect(await dumpLog(indexPath, timeIndexPath)).toEqual([
      `Dumping ${indexPath}`,
      `offset: 103 position: ${batches[0].length}`,
      `offset: 105 position: ${batches[0].length + batches[1].length}`,
      `Dumping ${timeIndexPath}`,
      `timestamp: ${timestampMs + 7} offset: 102`,
      `timestamp: ${timestampMs + 20} offset: 105`,
      'found 5 bytes of trailing garbage at position 24 (partial entry (entries are 12 bytes))',
    ]);
  });

  test('fails clearly on a file it does not understand', async () => {
    const other = path.join(dir, 'leader-epoch-checkpoint');
    fs.writeFileSync(other, '0\n1\n0 0\n');
    await expect(dumpLog(other)).rejects.toMatchObject({ stderr: expect.stringContaining('only .log, .index and .timeindex') });
  });
});

describe('readLogFile', () => {
  let dir: string;
  afterEach(() => rmDir(dir));

  test('finds the same batches whatever the chunk size, batches straddling chunk ends included', () => {
    dir = tmpDir('dump-log-chunks');
    const logPath = path.join(dir, '00000000000000000000.log');
    const batches = Array.from({ length: 40 }, (_, i) =>
      encodeRecordBatch(Array.from({ length: 1 + (i % 7) }, (_, r) => ({ value: Buffer.alloc(10 + r * 13, 97 + i % 26) })),
        { baseOffset: i * 10, baseTimestamp: timestampMs }));
    fs.writeFileSync(logPath, Buffer.concat(batches));
    const summary = (chunkBytes: number): string[] =>
      [...readLogFile(logPath, chunkBytes)].map((e) => (e.kind === 'batch' ? `${e.position}:${e.size}:${e.header.baseOffset}:${e.invalidReason ?? 'ok'}` : 'garbage'));
    const expected = batches.map((b, i) => `${batches.slice(0, i).reduce((sum, x) => sum + x.length, 0)}:${b.length}:${i * 10}:ok`);
    expect(summary(1024 * 1024)).toEqual(expected);
    expect(summary(100)).toEqual(expected);
    expect(summary(61)).toEqual(expected);
  });
});
