/**
 * The /controller and /controller_epoch znodes (Kafka's KafkaZkClient controller calls): who holds
 * /controller, winning it together with a raised epoch in one multi, and freeing it. Winning is
 * atomic, so two brokers can never both hold /controller nor both take one controller epoch.
 */
import { ZkPaths } from '../paths';
import type { ZooKeeper, ZkWatcher } from '../zk-client';
import { ZkConnectionLossError } from '../zk-errors';
import { getDataIfExists } from '../zk-reads';
import { parseController, parseControllerEpoch, serializeController, serializeControllerEpoch } from '../znodes';

/** The broker holding /controller, -1 for none; `watcher` (set with exists) fires on its creation, change or deletion. */
export async function readControllerId(zk: ZooKeeper, watcher?: ZkWatcher): Promise<number> {
  const stat = await zk.exists(ZkPaths.controller, watcher);
  const node = stat && (await getDataIfExists(zk, ZkPaths.controller));
  return node ? parseController(ZkPaths.controller, node.data).brokerId : -1;
}

/**
 * Kafka's registerControllerAndIncrementControllerEpoch: one multi creates the ephemeral
 * /controller and raises /controller_epoch on the version read (creating it at 1 when absent).
 * Losing fails with ZkNodeExistsError (another broker holds /controller) or ZkBadVersionError
 * (another broker raised the epoch first). Returns the epoch won and the zkVersion that every
 * later fenced write checks.
 */
export async function registerControllerAndIncrementEpoch(zk: ZooKeeper, brokerId: number, nowMs: number): Promise<{ epoch: number; epochZkVersion: number }> {
  const current = await getDataIfExists(zk, ZkPaths.controllerEpoch);
  const epoch = current ? parseControllerEpoch(ZkPaths.controllerEpoch, current.data) + 1 : 1;
  try {
    const results = await zk.multi([
      { op: 'create', path: ZkPaths.controller, data: serializeController({ brokerId, timestampMs: nowMs }), mode: 'ephemeral' },
      current
        ? { op: 'setData', path: ZkPaths.controllerEpoch, data: serializeControllerEpoch(epoch), expectedVersion: current.stat.version }
        : { op: 'create', path: ZkPaths.controllerEpoch, data: serializeControllerEpoch(epoch) },
    ]);
    const raised = results[1];
    return { epoch, epochZkVersion: raised.op === 'setData' ? raised.stat.version : 0 };
  } catch (err) {
    if (!(err instanceof ZkConnectionLossError)) throw err;
    // Applied or not? As Kafka's checkControllerAndEpoch: it was if both znodes say it was ours.
    const controller = await getDataIfExists(zk, ZkPaths.controller);
    const raised = await getDataIfExists(zk, ZkPaths.controllerEpoch);
    const ours = controller?.stat.ephemeralOwner === zk.sessionId && raised !== undefined && parseControllerEpoch(ZkPaths.controllerEpoch, raised.data) === epoch;
    if (!ours || !raised) throw err;
    return { epoch, epochZkVersion: raised.stat.version };
  }
}

/** Deletes /controller if this session holds it, so that every broker races again (Kafka's deleteController). */
export async function freeControllerIfOurs(zk: ZooKeeper): Promise<void> {
  const node = await getDataIfExists(zk, ZkPaths.controller);
  if (node && node.stat.ephemeralOwner === zk.sessionId) await zk.delete(ZkPaths.controller, node.stat.version);
}
