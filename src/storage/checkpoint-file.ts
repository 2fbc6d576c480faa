/**
 * Kafka's text checkpoint files (recovery points, high watermarks, leader epochs): a version line
 * `0`, a count line, then one entry per line. Written atomically: temp file, fsync, rename, fsync
 * of the folder, so a crash leaves either the old file or the new one, never half of one.
 */
import * as fs from 'fs';
import * as path from 'path';

const CHECKPOINT_VERSION = 0;

/** Writes `lines` as a checkpoint at `filePath`, atomically. */
export function writeCheckpointLines(filePath: string, lines: readonly string[]): void {
  const temp = `${filePath}.tmp`;
  const fd = fs.openSync(temp, 'w');
  try {
    fs.writeSync(fd, `${CHECKPOINT_VERSION}\n${lines.length}\n${lines.map((l) => `${l}\n`).join('')}`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, filePath);
  const dirFd = fs.openSync(path.dirname(filePath), 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}

/** The entry lines of a checkpoint; none when the file does not exist. Malformed: a clear error. */
export function readCheckpointLines(filePath: string): string[] {
  if (!fs.existsSync(filePath)) return [];
  const lines = fs.readFileSync(filePath, 'utf8').split('\n').filter((l) => l.length > 0);
  const bad = (why: string): never => {
    throw new Error(`malformed checkpoint file ${filePath}: ${why}`);
  };
  if (lines.length < 2) bad('missing version or count line');
  if (Number(lines[0]) !== CHECKPOINT_VERSION) bad(`unsupported version ${lines[0]}`);
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || count !== lines.length - 2) bad(`count line says ${lines[1]}, ${lines.length - 2} entries follow`);
  return lines.slice(2);
}

/** `topic partition offset` entries, keyed `topic/partition`. */
export function readOffsetCheckpoint(filePath: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of readCheckpointLines(filePath)) {
    const [topic, partition, offset] = line.split(' ');
    if (topic === undefined || !/^\d+$/.test(partition ?? '') || !/^-?\d+$/.test(offset ?? '')) {
      throw new Error(`malformed checkpoint file ${filePath}: entry "${line}"`);
    }
    out.set(`${topic}/${partition}`, Number(offset));
  }
  return out;
}

export function writeOffsetCheckpoint(filePath: string, offsets: Iterable<[topic: string, partition: number, offset: number]>): void {
  const lines: string[] = [];
  for (const [topic, partition, offset] of offsets) lines.push(`${topic} ${partition} ${offset}`);
  writeCheckpointLines(filePath, lines);
}
