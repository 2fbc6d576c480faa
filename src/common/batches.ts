/**
 * Cutting a list into consecutive batches of a bounded size: many small requests (ZooKeeper
 * writes, one per partition) sent as fewer larger ones.
 */

/** `items` in order, in batches of `size` (the last one shorter); none for no items. */
export function inBatches<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`a batch holds at least one item, not ${size}`);
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}
