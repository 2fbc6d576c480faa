/**
 * The checker's arithmetic, pure: given what producers saw acknowledged and what was read back
 * (by consumers, and from each replica's segment files), count what must be zero — acknowledged
 * but missing (lost), offsets holding different values in different reads or on different
 * replicas below the high watermark (divergent) — and what is only reported (duplicates: a
 * value at more than one offset, from producer retries). For a consumer group that commits after
 * processing, GroupProgress follows what its members processed and committed, and the verdict
 * adds two more zeros: acknowledged values that were read back but the group never processed
 * (notConsumed), and commits that went past a record no member had processed yet
 * (commitsPastProcessed: an at-least-once consumer must never skip). With acks=1 an acknowledged
 * write may be lost (a leader's acknowledgement promises nothing more): lost is then reported,
 * not a broken guarantee.
 */

/** One partition's records as `offset -> value`, from one source (a consumer read, a replica's files). */
export type OffsetValues = ReadonlyMap<number, string>;

export interface PartitionReads {
  partition: number;
  highWatermark: number;
  /** Named sources: `consumer`, `broker-1`, ... */
  sources: ReadonlyMap<string, OffsetValues>;
}

export interface Divergence {
  partition: number;
  offset: number;
  /** source -> value (absent: the source has no record at that offset). */
  values: Record<string, string | null>;
}

export interface CheckResult {
  acknowledged: number;
  read: number;
  lost: string[];
  divergent: Divergence[];
  duplicates: number;
  /** With a group: acknowledged values it processed at least once, and those read back that it never did (must be none). */
  consumed?: number;
  notConsumed?: string[];
  /** With a group: commits acknowledged while a record below the committed offset was unprocessed (must be none). */
  commitsPastProcessed?: CommitPastProcessed[];
  /** With a group: commits acknowledged, and records processed (more than read: re-processing after rebalances). */
  commits?: number;
  processed?: number;
}

export interface CommitPastProcessed {
  partition: number;
  committedOffset: number;
  /** Every offset below this had been processed when the commit was acknowledged. */
  processedUpTo: number;
}

/** The offsets of one partition processed so far: everything below `prefixEnd`, and the ones beyond it. */
class ProcessedOffsets {
  prefixEnd = 0;
  private readonly beyond = new Set<number>();

  add(offset: number): void {
    if (offset < this.prefixEnd) return;
    this.beyond.add(offset);
    while (this.beyond.delete(this.prefixEnd)) this.prefixEnd++;
  }

  has(offset: number): boolean {
    return offset < this.prefixEnd || this.beyond.has(offset);
  }
}

/** Commits past processed records kept for the report; the rest are only counted. */
const commitViolationsKeptMax = 100;

/**
 * What a consumer group did, fed in the order it happened (one process, one event loop): each
 * record a member processed, each commit the coordinator acknowledged. Offsets only, so that
 * millions of records cost a few counters (a partition's log starts at offset 0: no retention).
 * The rule for commits: a commit of offset c for partition p is acknowledged only once every
 * offset below c of p was processed by some member, at some time before; committing less
 * (re-processing after a rebalance) is allowed, committing past an unprocessed record is not.
 */
export class GroupProgress {
  private readonly partitions = new Map<number, ProcessedOffsets>();
  readonly commitsPastProcessed: CommitPastProcessed[] = [];
  commitsPastProcessedCount = 0;
  commits = 0;
  processedRecords = 0;

  private of(partition: number): ProcessedOffsets {
    let offsets = this.partitions.get(partition);
    if (!offsets) this.partitions.set(partition, (offsets = new ProcessedOffsets()));
    return offsets;
  }

  processed(partition: number, offset: number): void {
    this.processedRecords++;
    this.of(partition).add(offset);
  }

  committed(partition: number, offset: number): void {
    this.commits++;
    const processedUpTo = this.of(partition).prefixEnd;
    if (offset <= processedUpTo) return;
    this.commitsPastProcessedCount++;
    if (this.commitsPastProcessed.length < commitViolationsKeptMax) this.commitsPastProcessed.push({ partition, committedOffset: offset, processedUpTo });
  }

  wasProcessed(partition: number, offset: number): boolean {
    return this.partitions.get(partition)?.has(offset) ?? false;
  }

  /** Every offset below this was processed in `partition`. */
  processedUpTo(partition: number): number {
    return this.partitions.get(partition)?.prefixEnd ?? 0;
  }
}

/** Offsets below the HW where two sources disagree (a missing record counts as a disagreement). */
export function divergentOffsets(reads: PartitionReads): Divergence[] {
  const out: Divergence[] = [];
  const offsets = new Set<number>();
  for (const source of reads.sources.values()) for (const offset of source.keys()) if (offset < reads.highWatermark) offsets.add(offset);
  for (const offset of [...offsets].sort((a, b) => a - b)) {
    const values: Record<string, string | null> = {};
    const distinct = new Set<string | null>();
    for (const [name, source] of reads.sources) {
      const value = source.get(offset) ?? null;
      values[name] = value;
      distinct.add(value);
    }
    if (distinct.size > 1) out.push({ partition: reads.partition, offset, values });
  }
  return out;
}

/**
 * The verdict: `partitions[i].sources.get('consumer')` is what a consumer read from offset 0. With
 * `group`, an acknowledged value counts as consumed when the group processed an offset holding it
 * in that read (a value at two offsets, from a retry, needs only one of them).
 */
export function check(acknowledged: Iterable<string>, partitions: readonly PartitionReads[], group?: GroupProgress): CheckResult {
  const acked = new Set(acknowledged);
  const seen = new Map<string, number>();
  const consumedValues = new Set<string>();
  let read = 0;
  for (const p of partitions) {
    for (const [offset, value] of p.sources.get('consumer') ?? []) {
      read++;
      seen.set(value, (seen.get(value) ?? 0) + 1);
      if (group?.wasProcessed(p.partition, offset)) consumedValues.add(value);
    }
  }
  let duplicates = 0;
  for (const count of seen.values()) duplicates += count - 1;
  const result: CheckResult = {
    acknowledged: acked.size,
    read,
    lost: [...acked].filter((v) => !seen.has(v)),
    divergent: partitions.flatMap(divergentOffsets),
    duplicates,
  };
  if (!group) return result;
  const notConsumed = [...acked].filter((v) => seen.has(v) && !consumedValues.has(v));
  return {
    ...result,
    consumed: [...acked].filter((v) => consumedValues.has(v)).length,
    notConsumed,
    commitsPastProcessed: group.commitsPastProcessed,
    commits: group.commits,
    processed: group.processedRecords,
  };
}

/** What a run's verdict weighs besides the result: the producers' acks, and faults after which the cluster did not heal in time. */
export interface VerdictTerms {
  acks: 'all' | 1;
  unhealedFaults: number;
}

/**
 * The guarantees a result breaks, each said in a line: anything acknowledged lost (acks=all
 * only), divergent, read back but not consumed by the group, committed past processing, or a fault
 * the cluster did not heal from in time. Empty: the run passed.
 */
export function brokenGuarantees(r: CheckResult, terms: VerdictTerms = { acks: 'all', unhealedFaults: 0 }): string[] {
  const broken: string[] = [];
  if (terms.acks === 'all' && r.lost.length > 0) broken.push(`${r.lost.length} acknowledged values lost`);
  if (r.divergent.length > 0) broken.push(`${r.divergent.length} offsets below the high watermark differ between replicas or reads`);
  if ((r.notConsumed?.length ?? 0) > 0) broken.push(`${r.notConsumed?.length} acknowledged values never processed by the group`);
  if ((r.commitsPastProcessed?.length ?? 0) > 0) broken.push(`${r.commitsPastProcessed?.length} commits past a record the group had not processed`);
  if (terms.unhealedFaults > 0) broken.push(`${terms.unhealedFaults} faults after which the cluster did not get a leader and a full ISR for every partition in time`);
  return broken;
}

export function failed(r: CheckResult, terms?: VerdictTerms): boolean {
  return brokenGuarantees(r, terms).length > 0;
}
