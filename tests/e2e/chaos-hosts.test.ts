/**
 * A short chaos run with network faults, as `npm run chaos -- --hosts --faults
 * partition,partition-controller,zk-minority,one-way,bridge --duration 70 --seed 2459` does it:
 * each broker and ZooKeeper node a network namespace of its own on a bridge (root only; skipped
 * with a message otherwise), the nemesis cutting links with nftables, acks=all producers and a
 * consumer group. Seed 2459's plan has every kind of network fault in its first 48 s, the zombie
 * leader first: nothing acknowledged may be lost or left unprocessed, no replicas may diverge,
 * every fault must heal, the zombie must stop acting as leader, ZooKeeper's transaction log must
 * show that only the controller of an epoch wrote under it, and no host of the run may be left
 * behind. How fast things recover depends on the machine and is reported, not asserted.
 */
import * as path from 'path';
import { chaosChroot } from '../../chaos/chaos-cluster';
import { runNameOf } from '../../chaos/hosts/topology';
import { networkFaultKinds } from '../../chaos/nemesis';
import { runChaos, type ChaosReport } from '../../chaos/run';
import { controllerFencing, readEnsembleHistory, type ControllerFencing } from '../../chaos/zk-history';
import { ZkPaths } from '../../src/coordination/paths';
import { describeOnHosts, namedAfter } from '../helpers/hosts';
import { rmDir, tmpDir } from '../helpers/tmp';

jest.setTimeout(300_000);

const sessionTimeoutMs = 4_000;

describeOnHosts('a chaos run with network faults, each broker and ZooKeeper node on a host of its own', () => {
  it('loses nothing acknowledged with acks=all under a zombie leader, a controller cut from ZooKeeper, a ZooKeeper minority, one-way loss and a bridge, heals, and leaves no host behind', async () => {
    const dir = tmpDir('chaos-hosts');
    let report: ChaosReport;
    let fencing: ControllerFencing;
    try {
      report = await runChaos({ durationMs: 70_000, seed: 2459, faults: [...networkFaultKinds], hosts: true, sessionTimeoutMs, dir });
      fencing = controllerFencing(readEnsembleHistory(path.join(dir, 'zk')), `${chaosChroot}${ZkPaths.controllerEpoch}`);
    } finally {
      rmDir(dir);
    }
    expect(namedAfter(runNameOf(process.pid))).toEqual([]);

    const kinds = new Set(report.faults.map((f) => (f.action.startsWith('drop-') ? 'one-way' : f.action)));
    expect([...kinds].sort()).toEqual(['one-way', 'partition-bridge', 'partition-controller', 'partition-leader', 'partition-zk-minority']);
    expect(report.faults.filter((f) => f.healMs === undefined)).toEqual([]);
    expect(report.acknowledged).toBeGreaterThan(1000);
    expect(report.lost).toEqual([]);
    expect(report.divergent).toEqual([]);
    expect(report.groupCaughtUp).toBe(true);
    expect(report.notConsumed).toEqual([]);
    expect(report.commitsPastProcessed).toEqual([]);

    // The zombie leader: cut from ZooKeeper and its followers, it loses its leaderships to others
    // and stops answering as leader by the time its session is presumed gone, not a partition later.
    const zombie = report.faults.find((f) => f.action === 'partition-leader');
    const oldLeader = Number(zombie?.victim.replace('broker ', ''));
    const moved = zombie?.zombies.filter((z) => z.oldLeader === oldLeader) ?? [];
    expect(moved.length).toBeGreaterThan(0);
    for (const z of moved) {
      expect(z.windowMs).toBeLessThan(sessionTimeoutMs);
      expect(z.lostAfterElection).toBe(0);
    }

    // The controller cut from ZooKeeper lost its epoch to another; every write fenced by the
    // controller epoch landed from the session that had raised the epoch it checked.
    expect(fencing.epochs.length).toBeGreaterThan(1);
    expect(new Set(fencing.epochs.map((e) => e.session)).size).toBe(fencing.epochs.length);
    expect(fencing.fencedWrites).toBeGreaterThan(0);
    expect(fencing.unfenced).toEqual([]);
  });
});
