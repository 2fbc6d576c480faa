/**
 * `josef dump-log FILE...`: prints what segment files hold, line for line as Kafka's
 * kafka-dump-log.sh (DumpLogSegments) does. Reading lives in segment-file-reader.ts; this file
 * only turns its entries into lines and streams them out with backpressure.
 */
import { once } from 'events';
import * as path from 'path';
import type { Command } from 'commander';
import {
  COMPRESSION_CODEC_MASK, COMPRESSION_NAMES, TIMESTAMP_TYPE_LOG_APPEND, decodeRecords, type BatchRecord,
} from '../protocol/record-batch';
import { formatFields } from './format';
import {
  baseOffsetFromFileName, readLogFile, readOffsetIndexFile, readTimeIndexFile, type LogBatchEntry,
  type OffsetIndexEntry, type TimeIndexEntry, type TrailingGarbage,
} from './segment-file-reader';

/** Batch attribute bits Josef never sets but Kafka's files may carry (DefaultRecordBatch). */
const TRANSACTIONAL_FLAG = 0x10;
const CONTROL_FLAG = 0x20;
const INT32_MAX = 0x7fffffff;
/** Output is written in pieces of about this many characters, waiting for 'drain' when stdout is slow. */
const outputPieceChars = 64 * 1024;

export interface DumpOptions {
  /** Also print every record of every batch (Kafka's --print-data-log). */
  printData: boolean;
}

/** Kafka's DefaultRecordBatch.incrementSequence: a producer's sequence wraps from Int32 max to 0. */
function sequenceAt(baseSequence: number, delta: number): number {
  if (baseSequence < 0) return -1;
  return baseSequence > INT32_MAX - delta ? delta - (INT32_MAX - baseSequence) - 1 : baseSequence + delta;
}

function timestampTypeName(attributes: number): string {
  return attributes & TIMESTAMP_TYPE_LOG_APPEND ? 'LogAppendTime' : 'CreateTime';
}

export function formatBatchLine(batch: LogBatchEntry): string {
  const h = batch.header;
  const codec = h.attributes & COMPRESSION_CODEC_MASK;
  return formatFields([
    ['baseOffset', h.baseOffset],
    ['lastOffset', h.baseOffset + h.lastOffsetDelta],
    ['count', h.recordCount],
    ['baseSequence', h.baseSequence],
    ['lastSequence', sequenceAt(h.baseSequence, h.lastOffsetDelta)],
    ['producerId', h.producerId],
    ['producerEpoch', h.producerEpoch],
    ['partitionLeaderEpoch', h.partitionLeaderEpoch],
    ['isTransactional', (h.attributes & TRANSACTIONAL_FLAG) !== 0],
    ['isControl', (h.attributes & CONTROL_FLAG) !== 0],
    ['position', batch.position],
    [timestampTypeName(h.attributes), h.maxTimestamp],
    ['size', batch.size],
    ['magic', h.magic],
    ['compresscodec', COMPRESSION_NAMES[codec] ?? `unknown(${codec})`],
    ['crc', h.crc],
    ['isvalid', batch.invalidReason === undefined],
  ]);
}

/** One record as Kafka prints it; key and payload are omitted when null (keySize/valueSize say -1). */
export function formatRecordLine(record: BatchRecord, batch: LogBatchEntry): string {
  const h = batch.header;
  const logAppendTime = (h.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  const fields = formatFields([
    ['offset', record.offset],
    // Under LogAppendTime every record carries the batch's time, as Kafka's reader reports it.
    [timestampTypeName(h.attributes), logAppendTime ? h.maxTimestamp : record.timestamp],
    ['keySize', record.key === null ? -1 : record.key.length],
    ['valueSize', record.value === null ? -1 : record.value.length],
    ['sequence', sequenceAt(h.baseSequence, record.offset - h.baseOffset)],
    ['headerKeys', `[${record.headers.map((header) => header.key).join(',')}]`],
  ]);
  const key = record.key === null ? '' : ` key: ${record.key.toString('utf8')}`;
  const payload = record.value === null ? '' : ` payload: ${record.value.toString('utf8')}`;
  return `| ${fields}${key}${payload}`;
}

function* recordLines(batch: LogBatchEntry): Generator<string> {
  if (batch.invalidReason !== undefined) yield `| invalid batch: ${batch.invalidReason}`;
  let records: BatchRecord[];
  try {
    records = decodeRecords(batch.bytes, 0);
  } catch (err) {
    yield `| cannot decode records: ${err instanceof Error ? err.message : String(err)}`;
    return;
  }
  for (const record of records) yield formatRecordLine(record, batch);
}

export function formatGarbageLine(garbage: TrailingGarbage): string {
  return `found ${garbage.sizeBytes} bytes of trailing garbage at position ${garbage.position} (${garbage.reason})`;
}

export function formatIndexLine(entry: OffsetIndexEntry | TimeIndexEntry | TrailingGarbage): string {
  switch (entry.kind) {
    case 'offset': return formatFields([['offset', entry.offset], ['position', entry.position]]);
    case 'time': return formatFields([['timestamp', entry.timestamp], ['offset', entry.offset]]);
    case 'garbage': return formatGarbageLine(entry);
  }
}

function* logFileLines(filePath: string, options: DumpOptions): Generator<string> {
  yield `Starting offset: ${baseOffsetFromFileName(filePath)}`;
  for (const entry of readLogFile(filePath)) {
    if (entry.kind === 'garbage') {
      yield formatGarbageLine(entry);
    } else {
      yield formatBatchLine(entry);
      if (options.printData) yield* recordLines(entry);
    }
  }
}

/** Every output line for one file, produced lazily as the file is read. */
export function* dumpFileLines(filePath: string, options: DumpOptions): Generator<string> {
  const kind = path.extname(filePath);
  if (kind !== '.log' && kind !== '.index' && kind !== '.timeindex') {
    throw new Error(`cannot dump ${filePath}: only .log, .index and .timeindex segment files are understood`);
  }
  yield `Dumping ${filePath}`;
  if (kind === '.log') {
    yield* logFileLines(filePath, options);
  } else {
    const entries = kind === '.index' ? readOffsetIndexFile(filePath) : readTimeIndexFile(filePath);
    for (const entry of entries) yield formatIndexLine(entry);
  }
}

/** Writes lines in pieces, waiting whenever `out` buffers too much, so memory stays bounded. */
async function writeLines(lines: Iterable<string>, out: NodeJS.WritableStream): Promise<void> {
  let piece = '';
  for (const line of lines) {
    piece += `${line}\n`;
    if (piece.length >= outputPieceChars) {
      if (!out.write(piece)) await once(out, 'drain');
      piece = '';
    }
  }
  if (piece.length > 0 && !out.write(piece)) await once(out, 'drain');
}

/** A reader that closed the pipe (`| head`) has seen all it wanted: stop quietly, as Unix tools do. */
function exitOnClosedPipe(err: NodeJS.ErrnoException): void {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
}

export function registerDumpLogCommand(program: Command): void {
  program.command('dump-log')
    .description('print the batches of .log segment files, or the entries of .index and .timeindex files (Kafka\'s kafka-dump-log)')
    .argument('<files...>', 'segment files, e.g. data/orders/0/00000000000000000000.log')
    .option('--print-data', 'also print every record: offset, timestamp, sizes, header keys, key and payload as UTF-8', false)
    .action(async (files: string[], opts: { printData: boolean }) => {
      process.stdout.on('error', exitOnClosedPipe);
      for (const file of files) await writeLines(dumpFileLines(file, { printData: opts.printData }), process.stdout);
    });
}
