/**
 * The data side of a scale-out (the demo's and the reassignment benchmark's): filling a topic
 * with some megabytes of unique, acknowledged values before replicas move, and measuring what a
 * replica holds by the size of its log segments on disk (what a new replica has copied so far).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Logger } from '../../common/logger';
import { Producer } from '../../client/producer';

/** Bytes of a replica's log segments (`<logDir>/<topic>/<partition>/*.log`); 0 while it has none. */
export function replicaLogBytes(logDir: string, topic: string, partition: number): number {
  const dir = path.join(logDir, topic, String(partition));
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0; // Not created yet, or deleted after it moved away.
  }
  let bytes = 0;
  for (const name of names) {
    if (!name.endsWith('.log')) continue;
    try {
      bytes += fs.statSync(path.join(dir, name)).size;
    } catch {
      // A segment deleted between the listing and the stat.
    }
  }
  return bytes;
}

export interface LoadOptions {
  bootstrapServers: string;
  topic: string;
  partitions: number;
  /** Value bytes to write in all (the log holds a little more: batch and record headers). */
  bytes: number;
  valueBytes: number;
  logger: Logger;
  /** Told of the value bytes sent so far, now and then. */
  onProgress?: (sentBytes: number) => void;
}

/** Sends awaiting acknowledgement at most while loading: enough to fill batches, bounded so memory is. */
const loadInFlightMax = 2_000;

/**
 * Writes `bytes` of values `<topic>-load-<n>-xxx...` (acks=all), partition n mod partitions so every
 * partition gets its share; resolves with the values in the order written. Any failed send fails the load.
 */
export async function loadTopic(options: LoadOptions): Promise<string[]> {
  const producer = new Producer({ bootstrapServers: options.bootstrapServers, acks: 'all', lingerMs: 5, logger: options.logger, clientId: 'josef-load' });
  const count = Math.ceil(options.bytes / options.valueBytes);
  const values: string[] = [];
  const inFlight = new Set<Promise<unknown>>();
  let failure: Error | undefined;
  try {
    for (let n = 0; n < count && failure === undefined; n++) {
      const head = `${options.topic}-load-${n}-`;
      const value = head.padEnd(Math.max(options.valueBytes, head.length), 'x');
      values.push(value);
      const sending: Promise<unknown> = producer.send({ topic: options.topic, partition: n % options.partitions, value }).catch((err: Error) => {
        failure ??= new Error(`loading ${options.topic}: send of record ${n} failed: ${err.message}`);
      }).finally(() => inFlight.delete(sending));
      inFlight.add(sending);
      if (inFlight.size >= loadInFlightMax) await Promise.race(inFlight);
      if (n % 1_000 === 999) options.onProgress?.((n + 1) * options.valueBytes);
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
    options.onProgress?.(count * options.valueBytes);
    return values;
  } finally {
    await producer.close();
  }
}
