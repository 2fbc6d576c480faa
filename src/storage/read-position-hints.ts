/**
 * Where the batch after each of a segment's last few reads starts, so that a reader that reads on
 * (a consumer, a follower: every fetch starts where the last one ended) finds its first batch with
 * neither an offset-index lookup nor a header scan. Kafka's lookups are cheap because its indexes
 * are memory-mapped; an inactive Josef segment's index is read from its file, one pread per
 * binary-search probe, which cost a 1 MiB read ~40 µs. A hint is only a guess: the caller checks
 * the batch header it reads at the hinted position before trusting it.
 */

/** Readers followed per segment; one more forgets the oldest. */
const hintsMax = 8;

export class ReadPositionHints {
  /** Base offset of a batch -> its position in the .log; insertion order is age. Made at the first read: most of 10,000 idle partitions' segments are never read. */
  private positionByOffset: Map<number, number> | undefined;

  /** The position of the batch starting at `offset`, if a recent read ended there. */
  positionOf(offset: number): number | undefined {
    return this.positionByOffset?.get(offset);
  }

  /** A read ended where the batch starting at `offset` begins, at `position`. */
  remember(offset: number, position: number): void {
    const hints = this.positionByOffset ??= new Map();
    hints.delete(offset);
    if (hints.size >= hintsMax) hints.delete(hints.keys().next().value as number);
    hints.set(offset, position);
  }

  /** The file was cut: positions past the cut no longer hold what was remembered. */
  clear(): void {
    this.positionByOffset?.clear();
  }
}
