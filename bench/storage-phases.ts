/**
 * The timed phases of the storage benchmark, each a plain synchronous loop: append through the
 * partition log, write the same bytes raw, read the log back, read the raw file back. Every
 * phase checks that the bytes it moved are the ones expected.
 */
import { execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import { assert } from '../src/common/assert';
import { encodeRecordBatch } from '../src/protocol/record-batch';
import { readInt64 } from '../src/protocol/varint';
import type { PartitionLog } from '../src/storage/partition-log';
import { LatencyRecorder, RssSampler, elapsedMsSince } from './harness';
import type { ThroughputPhase } from './report';

/** The leader epoch every append carries: one leader, one epoch. */
const leaderEpoch = 0;
/** Batches encoded up front and appended in turn, so that encoding does not dominate the append. */
const distinctBatches = 8;

/** What gets appended: `batchCount` appends cycling through `batches`, all of one size. */
export interface Workload {
  batches: Buffer[];
  batchBytes: number;
  recordsPerBatch: number;
  batchCount: number;
  totalBytes: number;
  totalRecords: number;
}

/** As many records of `recordBytes` random bytes as fit in `batchBytesMax`, in distinct batches. */
export function buildWorkload(targetBytes: number, batchBytesMax: number, recordBytes: number): Workload {
  const timestampMs = Date.now();
  const encode = (count: number): Buffer =>
    encodeRecordBatch(Array.from({ length: count }, () => ({ value: randomBytes(recordBytes) })), { baseTimestamp: timestampMs });
  let recordsPerBatch = Math.max(1, Math.floor(batchBytesMax / recordBytes));
  while (recordsPerBatch > 1 && encode(recordsPerBatch).length > batchBytesMax) recordsPerBatch--;
  const batches = Array.from({ length: distinctBatches }, () => encode(recordsPerBatch));
  const batchBytes = batches[0].length;
  const batchCount = Math.ceil(targetBytes / batchBytes);
  return {
    batches, batchBytes, recordsPerBatch, batchCount,
    totalBytes: batchCount * batchBytes, totalRecords: batchCount * recordsPerBatch,
  };
}

/** Appends every batch of the workload, timing each call. */
export function appendPhase(log: PartitionLog, w: Workload, rss: RssSampler): ThroughputPhase {
  const latency = new LatencyRecorder();
  const startNs = process.hrtime.bigint();
  for (let i = 0; i < w.batchCount; i++) {
    const opNs = process.hrtime.bigint();
    // The log assigns offsets in place and has written the bytes when it returns: reuse is safe.
    log.appendAsLeader(w.batches[i % distinctBatches], leaderEpoch);
    latency.recordSince(opNs);
    rss.maybeSample();
  }
  const elapsedMs = elapsedMsSince(startNs);
  assert(log.logEndOffset === w.totalRecords, () => `log end ${log.logEndOffset} after appending ${w.totalRecords} records`);
  return { name: 'append: PartitionLog.appendAsLeader', bytes: w.totalBytes, records: w.totalRecords, elapsedMs, latency: latency.summary() };
}

export function syncFile(filePath: string): void {
  const fd = fs.openSync(filePath, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function writeAll(fd: number, buf: Buffer, position: number): void {
  let written = 0;
  while (written < buf.length) written += fs.writeSync(fd, buf, written, buf.length - written, position + written);
}

/** The same batches written one by one at increasing positions with plain pwrite calls. */
export function rawWritePhase(filePath: string, w: Workload, rss: RssSampler): ThroughputPhase {
  const latency = new LatencyRecorder();
  const fd = fs.openSync(filePath, 'w');
  const startNs = process.hrtime.bigint();
  try {
    for (let i = 0; i < w.batchCount; i++) {
      const opNs = process.hrtime.bigint();
      writeAll(fd, w.batches[i % distinctBatches], i * w.batchBytes);
      latency.recordSince(opNs);
      rss.maybeSample();
    }
  } finally {
    fs.closeSync(fd);
  }
  return { name: 'raw write: fs.writeSync', bytes: w.totalBytes, records: w.totalRecords, elapsedMs: elapsedMsSince(startNs), latency: latency.summary() };
}

/**
 * Reads the whole log from its start as a follower or consumer fetch would, `readBytes` at a time:
 * into one reused buffer (`into`), or into a fresh Buffer per read (what a Fetch gets today).
 */
export function logReadPhase(log: PartitionLog, w: Workload, readBytes: number, rss: RssSampler, buffers: 'reused' | 'fresh'): ThroughputPhase {
  const latency = new LatencyRecorder();
  const into = buffers === 'reused' ? Buffer.allocUnsafeSlow(readBytes) : undefined;
  let offset = log.logStartOffset;
  let bytes = 0;
  const startNs = process.hrtime.bigint();
  while (offset < log.logEndOffset) {
    const opNs = process.hrtime.bigint();
    const data = log.read(offset, { maxBytes: readBytes, into });
    latency.recordSince(opNs);
    // Every batch has the same size, so whole batches and the next offset follow from the length.
    assert(data.length > 0 && data.length % w.batchBytes === 0, () => `read at offset ${offset} returned ${data.length} bytes`);
    assert(readInt64(data, 0) === offset, () => `read at offset ${offset} returned a batch at ${readInt64(data, 0)}`);
    offset += (data.length / w.batchBytes) * w.recordsPerBatch;
    bytes += data.length;
    rss.maybeSample();
  }
  assert(bytes === w.totalBytes, () => `read ${bytes} bytes back, appended ${w.totalBytes}`);
  const name = buffers === 'reused' ? 'read: PartitionLog.read, reused buffer' : 'read: PartitionLog.read, fresh Buffer';
  return { name, bytes, records: w.totalRecords, elapsedMs: elapsedMsSince(startNs), latency: latency.summary() };
}

/** The raw file read front to back with plain pread calls into one reused buffer. */
export function rawReadPhase(filePath: string, w: Workload, readBytes: number, rss: RssSampler): ThroughputPhase {
  const latency = new LatencyRecorder();
  const buffer = Buffer.allocUnsafe(readBytes);
  const fd = fs.openSync(filePath, 'r');
  let position = 0;
  const startNs = process.hrtime.bigint();
  try {
    while (position < w.totalBytes) {
      const opNs = process.hrtime.bigint();
      const n = fs.readSync(fd, buffer, 0, readBytes, position);
      latency.recordSince(opNs);
      assert(n > 0, () => `${filePath} ended at ${position} of ${w.totalBytes} bytes`);
      position += n;
      rss.maybeSample();
    }
  } finally {
    fs.closeSync(fd);
  }
  return { name: 'raw read: fs.readSync', bytes: position, records: w.totalRecords, elapsedMs: elapsedMsSince(startNs), latency: latency.summary() };
}

/**
 * Writes dirty pages out and empties the page cache (root only), so that the next phase reads
 * from the disk. Returns why it could not, or undefined when it did.
 */
export function dropPageCache(): string | undefined {
  try {
    execFileSync('sync');
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

