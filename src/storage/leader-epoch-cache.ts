/**
 * Kafka's leader-epoch cache (KIP-101): for each leader epoch, the first offset written in it.
 * Epochs and start offsets only increase. A follower compares its history with the leader's
 * through endOffsetFor() and truncates where they part. Persisted as `leader-epoch-checkpoint`.
 */
import * as path from 'path';
import { readCheckpointLines, writeCheckpointLines } from './checkpoint-file';

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

/** The answer to OffsetsForLeaderEpoch: the largest epoch <= the one asked, and where it ends. */
export interface EpochEndOffset {
  epoch: number;
  endOffset: number;
}

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_OFFSET = -1;

/** The pure part: the list of epochs and the rules on it. */
export class LeaderEpochEntries {
  constructor(protected entries: EpochEntry[] = []) {}

  all(): readonly EpochEntry[] {
    return this.entries;
  }

  latestEpoch(): number {
    return this.entries.length === 0 ? UNDEFINED_EPOCH : this.entries[this.entries.length - 1].epoch;
  }

  /** Records that `epoch` starts at `startOffset`; older or equal epochs are ignored. Returns true when changed. */
  assign(epoch: number, startOffset: number): boolean {
    if (epoch < 0 || epoch <= this.latestEpoch()) return false;
    // A new epoch starting at or before a recorded one supersedes those entries (Kafka does the same).
    this.entries = this.entries.filter((e) => e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    return true;
  }

  /**
   * Kafka's endOffsetFor: for `requestedEpoch`, the largest known epoch <= it, and the start offset
   * of the next epoch (or the log end offset when it is the latest).
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    if (requestedEpoch === UNDEFINED_EPOCH || this.entries.length === 0) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_OFFSET };
    if (requestedEpoch === this.latestEpoch()) return { epoch: requestedEpoch, endOffset: logEndOffset };
    const nextIndex = this.entries.findIndex((e) => e.epoch > requestedEpoch);
    if (nextIndex === 0) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_OFFSET };
    if (nextIndex < 0) return { epoch: this.latestEpoch(), endOffset: logEndOffset };
    return { epoch: this.entries[nextIndex - 1].epoch, endOffset: this.entries[nextIndex].startOffset };
  }

  /** Drops entries starting at or past `endOffset` (the log was truncated there). */
  truncateFromEnd(endOffset: number): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.startOffset < endOffset);
    return this.entries.length !== before;
  }

  /** The log now starts at `startOffset`: earlier entries go, the one covering it moves up. */
  truncateFromStart(startOffset: number): boolean {
    let covering: EpochEntry | undefined;
    const kept: EpochEntry[] = [];
    for (const e of this.entries) {
      if (e.startOffset <= startOffset) covering = e;
      else kept.push(e);
    }
    if (!covering || covering.startOffset === startOffset && kept.length + 1 === this.entries.length) return false;
    this.entries = [{ epoch: covering.epoch, startOffset }, ...kept];
    return true;
  }

  clear(): void {
    this.entries = [];
  }
}

/** The cache of one partition, written to its `leader-epoch-checkpoint` on every change. */
export class LeaderEpochFileCache extends LeaderEpochEntries {
  private constructor(private readonly filePath: string, entries: EpochEntry[]) {
    super(entries);
  }

  static open(partitionDir: string): LeaderEpochFileCache {
    const filePath = path.join(partitionDir, 'leader-epoch-checkpoint');
    const entries = readCheckpointLines(filePath).map((line) => {
      const [epoch, offset] = line.split(' ').map(Number);
      if (!Number.isInteger(epoch) || !Number.isInteger(offset)) throw new Error(`malformed ${filePath}: entry "${line}"`);
      return { epoch, startOffset: offset };
    });
    return new LeaderEpochFileCache(filePath, entries);
  }

  private persist(changed: boolean): boolean {
    if (changed) writeCheckpointLines(this.filePath, this.entries.map((e) => `${e.epoch} ${e.startOffset}`));
    return changed;
  }

  override assign(epoch: number, startOffset: number): boolean {
    return this.persist(super.assign(epoch, startOffset));
  }

  override truncateFromEnd(endOffset: number): boolean {
    return this.persist(super.truncateFromEnd(endOffset));
  }

  override truncateFromStart(startOffset: number): boolean {
    return this.persist(super.truncateFromStart(startOffset));
  }

  override clear(): void {
    super.clear();
    this.persist(true);
  }
}
