/**
 * Kafka's cleanup.policy, a value both the broker's log.cleanup.policy and a topic's cleanup.policy
 * take: how a log drops old records (retention, compaction or both).
 */

/** Kafka's cleanup.policy values; `compact,delete` is written in that order whichever order it was given in. */
export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';

/**
 * Kafka's cleanup.policy list: `delete`, `compact`, or both in any order, separated by a comma;
 * undefined for anything else.
 */
export function parseCleanupPolicy(raw: string): CleanupPolicy | undefined {
  const items = raw.split(',').map((item) => item.trim());
  if (items.some((item) => item !== 'delete' && item !== 'compact')) return undefined;
  const compact = items.includes('compact');
  const remove = items.includes('delete');
  if (compact && remove) return 'compact,delete';
  return compact ? 'compact' : 'delete';
}
