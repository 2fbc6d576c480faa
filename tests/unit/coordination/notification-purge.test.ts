import { notificationExpirationMs, obsoleteNotifications } from '../../../src/coordination/notification-passes';

describe('obsolete change notifications (Kafka\'s purgeObsoleteNotifications)', () => {
  const nowMs = 1_000_000_000;
  const at = (name: string, ageMs: number): { name: string; ctimeMs: number } => ({ name, ctimeMs: nowMs - ageMs });

  it('keeps 15 minutes of notifications and names the older ones', () => {
    expect(notificationExpirationMs).toBe(900_000);
    const listed = [at('acl_changes_0000000001', 3_600_000), at('acl_changes_0000000002', notificationExpirationMs + 1), at('acl_changes_0000000003', notificationExpirationMs), at('acl_changes_0000000004', 0)];
    expect(obsoleteNotifications(listed, nowMs)).toEqual(['acl_changes_0000000001', 'acl_changes_0000000002']);
  });

  it('purges nothing of an empty list, or when the clock is behind the server\'s', () => {
    expect(obsoleteNotifications([], nowMs)).toEqual([]);
    expect(obsoleteNotifications([at('acl_changes_0000000001', -60_000)], nowMs)).toEqual([]);
  });
});
