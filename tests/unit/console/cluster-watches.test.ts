import type { ZkWatchEvent } from '../../../src/coordination/zk-types';
import { ClusterWatches } from '../../../src/console/zk-cluster-reader';

describe('ClusterWatches', () => {
  const fired: ZkWatchEvent = { type: 'dataChanged', path: '/controller' };

  it('asks for a first reading, and another once a watch fires', () => {
    const watches = new ClusterWatches();
    expect(watches.changed).toBe(true);
    const watcher = watches.watcher('data', '/controller');
    watches.changed = false;
    watcher?.(fired);
    expect(watches.changed).toBe(true);
  });

  it('sets one watch per znode and kind until it fires, then a new one', () => {
    const watches = new ClusterWatches();
    const first = watches.watcher('data', '/controller');
    expect(first).toBeDefined();
    expect(watches.watcher('data', '/controller')).toBeUndefined();
    expect(watches.watcher('children', '/controller')).toBeDefined();
    first?.(fired);
    expect(watches.watcher('data', '/controller')).toBeDefined();
  });

  it('sets every watch again after the session lost them', () => {
    const watches = new ClusterWatches();
    watches.watcher('data', '/controller');
    watches.changed = false;
    watches.lost();
    expect(watches.changed).toBe(true);
    expect(watches.watcher('data', '/controller')).toBeDefined();
  });
});
