/**
 * The checker's arithmetic, pure: given what producers saw acknowledged and what was read back
 * (by consumers, and from each replica's segment files), count what must be zero — acknowledged
 * but missing (lost), offsets holding different values in different reads or on different
 * replicas below the high watermark (divergent) — and what is only reported (duplicates: a
 * value at more than one offset, from producer retries).
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

/** The verdict: `partitions[i].sources.get('consumer')` is what a consumer read from offset 0. */
export function check(acknowledged: Iterable<string>, partitions: readonly PartitionReads[]): CheckResult {
  const acked = new Set(acknowledged);
  const seen = new Map<string, number>();
  let read = 0;
  for (const p of partitions) {
    for (const value of p.sources.get('consumer')?.values() ?? []) {
      read++;
      seen.set(value, (seen.get(value) ?? 0) + 1);
    }
  }
  let duplicates = 0;
  for (const count of seen.values()) duplicates += count - 1;
  return {
    acknowledged: acked.size,
    read,
    lost: [...acked].filter((v) => !seen.has(v)),
    divergent: partitions.flatMap(divergentOffsets),
    duplicates,
  };
}
