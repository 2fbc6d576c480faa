import * as fs from 'fs';
import * as path from 'path';
import { checkLogDirIdentity, writeLogDirIdentity } from '../../../src/server/log-dir-identity';
import { BrokerStartupError } from '../../../src/server/startup-error';
import { rmDir, tmpDir } from '../../helpers/tmp';

describe('log dir identity (meta.properties)', () => {
  let dirs: string[];
  beforeEach(() => {
    dirs = [tmpDir('identity-a'), tmpDir('identity-b')];
  });
  afterEach(() => dirs.forEach(rmDir));

  it('a fresh dir has none; once written, the same broker of the same cluster passes', () => {
    expect(checkLogDirIdentity(dirs, 1, 'cluster-A', 'zk:2181')).toEqual(dirs);
    writeLogDirIdentity(dirs, 1, 'cluster-A');
    expect(fs.readFileSync(path.join(dirs[0], 'meta.properties'), 'utf8')).toMatch(/version=0\nbroker.id=1\ncluster.id=cluster-A\n/);
    expect(checkLogDirIdentity(dirs, 1, 'cluster-A', 'zk:2181')).toEqual([]);
  });

  it('refuses data of another cluster, saying what happened and how to fix it', () => {
    writeLogDirIdentity([dirs[1]], 1, 'cluster-A');
    const check = (): string[] => checkLogDirIdentity(dirs, 1, 'cluster-B', '127.0.0.1:2181/josef');
    expect(check).toThrow(BrokerStartupError);
    expect(check).toThrow(new RegExp(`cluster id mismatch: log dir ${dirs[1]} holds data of cluster cluster-A .* ZooKeeper at 127.0.0.1:2181/josef belongs to cluster cluster-B. ` +
      'ZooKeeper was wiped or zookeeper.connect points at another ensemble or chroot while this dir kept its old data. ' +
      `Fix: point zookeeper.connect at the original ensemble and chroot, or remove ${dirs[1]}`));
  });

  it('refuses a dir of another broker', () => {
    writeLogDirIdentity([dirs[0]], 2, 'cluster-A');
    expect(() => checkLogDirIdentity(dirs, 1, 'cluster-A', 'zk:2181')).toThrow(/broker id mismatch: .* belongs to broker 2 .*not broker 1/);
  });
});
