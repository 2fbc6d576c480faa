/**
 * Kafka's text checkpoint files (recovery points, high watermarks, leader epochs): a version line
 * `0`, a count line, then one entry per line. Written atomically: temp file, fsync, rename, fsync
 * of the folder, so a crash leaves either the old file or the new one, never half of one.
 */
import * as fs from 'fs';
import * as path from 'path';
import { partitionKey } from '../common/topic';
import { syncDir } from './log-file';

export const CHECKPOINT_VERSION = 0;
/** Kafka's suffix for a checkpoint being written; a leftover one is ignored and replaced. */
export const CHECKPOINT_TEMP_SUFFIX = '.tmp';

/** Replaces `filePath` with `text` so that a crash leaves the old content or the new, whole. */
export function writeFileAtomically(filePath: string, text: string): void {
  const temp = `${filePath}${CHECKPOINT_TEMP_SUFFIX}`;
  const fd = fs.openSync(temp, 'w');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, filePath);
  syncDir(path.dirname(filePath));
}

/** Writes `lines` as a checkpoint at `filePath`, atomically. */
export function writeCheckpointLines(filePath: string, lines: readonly string[]): void {
  writeFileAtomically(filePath, `${CHECKPOINT_VERSION}\n${lines.length}\n${lines.map((l) => `${l}\n`).join('')}`);
}

/** The entry lines of a checkpoint; none when the file does not exist. Malformed: an error naming the file and why. */
export function readCheckpointLines(filePath: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(filePath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const bad = (why: string): never => {
    throw new Error(`malformed checkpoint file ${filePath}: ${why}`);
  };
  if (lines.length < 2) bad('missing version or count line');
  if (lines[0] !== String(CHECKPOINT_VERSION)) bad(`unsupported version "${lines[0]}"`);
  if (!/^\d+$/.test(lines[1]) || Number(lines[1]) !== lines.length - 2) bad(`count line says ${lines[1]}, ${lines.length - 2} entries follow`);
  return lines.slice(2);
}

/** One line of an offset checkpoint. */
export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

/** `topic partition offset` entries, keyed as partitionKey spells it. */
export function readOffsetCheckpoint(filePath: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of readCheckpointLines(filePath)) {
    const fields = line.split(/\s+/);
    if (fields.length !== 3 || !/^\d+$/.test(fields[1]) || !/^-?\d+$/.test(fields[2])) {
      throw new Error(`malformed checkpoint file ${filePath}: entry "${line}"`);
    }
    out.set(partitionKey(fields[0], Number(fields[1])), Number(fields[2]));
  }
  return out;
}

export function writeOffsetCheckpoint(filePath: string, offsets: Iterable<[topic: string, partition: number, offset: number]>): void {
  const lines: string[] = [];
  for (const [topic, partition, offset] of offsets) lines.push(`${topic} ${partition} ${offset}`);
  writeCheckpointLines(filePath, lines);
}
