/**
 * Kafka's leader-epoch cache (KIP-101, LeaderEpochFileCache): for each leader epoch, the first
 * offset written in it. Epochs and start offsets both strictly increase along the list. A follower
 * compares its history with the leader's through endOffsetFor() and truncates where they part.
 * The rules live in LeaderEpochEntries (pure); LeaderEpochFileCache keeps them in the partition's
 * `leader-epoch-checkpoint`, written when the log flushes (see LeaderEpochFileCache).
 */
import * as path from 'path';
import { readCheckpointLines, writeCheckpointLines } from './checkpoint-file';
import { LEADER_EPOCH_CHECKPOINT, fileInPartitionDir } from './log-config';

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
export const UNDEFINED_EPOCH_OFFSET = -1;
/** Former name of UNDEFINED_EPOCH_OFFSET. */
export const UNDEFINED_OFFSET = UNDEFINED_EPOCH_OFFSET;

const undefinedEndOffset: EpochEndOffset = Object.freeze({ epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET });

/** The list of epochs and Kafka's rules on it; no I/O. */
export class LeaderEpochEntries {
  protected entries: EpochEntry[];

  constructor(entries: readonly EpochEntry[] = []) {
    for (let i = 1; i < entries.length; i++) {
      if (entries[i].epoch <= entries[i - 1].epoch || entries[i].startOffset <= entries[i - 1].startOffset) {
        throw new RangeError(`leader epoch entries do not increase: ${JSON.stringify(entries[i - 1])} then ${JSON.stringify(entries[i])}`);
      }
    }
    this.entries = entries.map((e) => ({ ...e }));
  }

  all(): readonly EpochEntry[] {
    return this.entries;
  }

  latestEpoch(): number {
    return this.entries.length === 0 ? UNDEFINED_EPOCH : this.entries[this.entries.length - 1].epoch;
  }

  earliestEntry(): EpochEntry | undefined {
    return this.entries[0];
  }

  /**
   * Records that `epoch` starts at `startOffset` (Kafka's assign): a no-op for the latest epoch at
   * the same or a later offset, and for a negative epoch (a batch from an old producer). Entries
   * that the new one contradicts (an epoch at or above it, or a start at or past it) are dropped,
   * so both columns keep increasing. Returns true when the list changed.
   */
  assign(epoch: number, startOffset: number): boolean {
    if (epoch < 0 || startOffset < 0) return false;
    const latest = this.entries[this.entries.length - 1];
    if (latest !== undefined && latest.epoch === epoch && startOffset >= latest.startOffset) return false;
    let keep = this.entries.length;
    while (keep > 0 && (this.entries[keep - 1].epoch >= epoch || this.entries[keep - 1].startOffset >= startOffset)) keep--;
    this.entries.length = keep;
    this.entries.push({ epoch, startOffset });
    return true;
  }

  /**
   * Kafka's endOffsetFor: for the latest epoch, the log end offset; for an older one, the epoch
   * itself (or the largest known below it) and the start of the next known epoch; for one older
   * than every known epoch, that epoch and the first known start (the history before it is gone);
   * for one newer than every known epoch, or UNDEFINED_EPOCH, undefined (-1, -1).
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    if (requestedEpoch === UNDEFINED_EPOCH || this.entries.length === 0) return undefinedEndOffset;
    if (requestedEpoch === this.latestEpoch()) return { epoch: requestedEpoch, endOffset: logEndOffset };
    const higher = this.entries.findIndex((e) => e.epoch > requestedEpoch);
    if (higher < 0) return undefinedEndOffset;
    if (higher === 0) return { epoch: requestedEpoch, endOffset: this.entries[0].startOffset };
    return { epoch: this.entries[higher - 1].epoch, endOffset: this.entries[higher].startOffset };
  }

  /** The log was truncated to end at `endOffset`: entries starting at or past it go. */
  truncateFromEnd(endOffset: number): boolean {
    let keep = this.entries.length;
    while (keep > 0 && this.entries[keep - 1].startOffset >= endOffset) keep--;
    if (keep === this.entries.length) return false;
    this.entries.length = keep;
    return true;
  }

  /**
   * The log now starts at `startOffset`: entries starting at or below it go, and the last of them
   * comes back starting at `startOffset` (it covers the first offset still in the log).
   */
  truncateFromStart(startOffset: number): boolean {
    let removed = 0;
    while (removed < this.entries.length && this.entries[removed].startOffset <= startOffset) removed++;
    if (removed === 0) return false;
    const covering = this.entries[removed - 1];
    if (removed === 1 && covering.startOffset === startOffset) return false;
    this.entries.splice(0, removed, { epoch: covering.epoch, startOffset });
    return true;
  }

  clear(): boolean {
    if (this.entries.length === 0) return false;
    this.entries = [];
    return true;
  }
}

/** `epoch startOffset` lines of a leader-epoch-checkpoint. */
export function readLeaderEpochCheckpoint(filePath: string): EpochEntry[] {
  return readCheckpointLines(filePath).map((line) => {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 2 || !fields.every((f) => /^-?\d+$/.test(f))) throw new Error(`malformed ${filePath}: entry "${line}"`);
    return { epoch: Number(fields[0]), startOffset: Number(fields[1]) };
  });
}

export function writeLeaderEpochCheckpoint(filePath: string, entries: readonly EpochEntry[]): void {
  writeCheckpointLines(filePath, entries.map((e) => `${e.epoch} ${e.startOffset}`));
}

/**
 * The cache of one partition. A change reaches `leader-epoch-checkpoint` at the next flush(),
 * which the log calls before its recovery point moves (PartitionLog.advanceRecoveryPoint), not
 * before returning: one atomic write is two fsyncs (about 9 ms under load), and a LeaderAndIsr
 * making a broker leader of 3,300 new partitions paid them once each (30 s, issue 24). Nothing is
 * lost by the wait: an epoch can only matter to offsets the log holds; those below the recovery
 * point were flushed after the checkpoint that names their epochs, and a crash rescans those past
 * it, relearning their epochs from the batches (log-loader.ts), as Kafka's recovery does. Entries
 * past the log end, or before its start, that a crash restores are cut again when the log opens.
 */
export class LeaderEpochFileCache extends LeaderEpochEntries {
  /** Entries changed since the checkpoint was last written. */
  private dirty = false;

  private constructor(readonly filePath: string, entries: EpochEntry[]) {
    super(entries);
  }

  static open(partitionDir: string): LeaderEpochFileCache {
    const filePath = path.join(partitionDir, LEADER_EPOCH_CHECKPOINT);
    try {
      return new LeaderEpochFileCache(filePath, readLeaderEpochCheckpoint(filePath));
    } catch (err) {
      throw new Error(`cannot load ${filePath}: ${(err as Error).message}`);
    }
  }

  /** The cache of a log created now, whose folder holds nothing yet: no file to read. */
  static empty(partitionDir: string): LeaderEpochFileCache {
    return new LeaderEpochFileCache(fileInPartitionDir(partitionDir, LEADER_EPOCH_CHECKPOINT), []);
  }

  private markIf(changed: boolean): boolean {
    if (changed) this.dirty = true;
    return changed;
  }

  /** Writes the checkpoint (atomically, fsynced) if an entry changed since the last write. */
  flush(): void {
    if (!this.dirty) return;
    writeLeaderEpochCheckpoint(this.filePath, this.entries);
    this.dirty = false;
  }

  override assign(epoch: number, startOffset: number): boolean {
    return this.markIf(super.assign(epoch, startOffset));
  }

  override truncateFromEnd(endOffset: number): boolean {
    return this.markIf(super.truncateFromEnd(endOffset));
  }

  override truncateFromStart(startOffset: number): boolean {
    return this.markIf(super.truncateFromStart(startOffset));
  }

  override clear(): boolean {
    return this.markIf(super.clear());
  }
}
