/**
 * A process that makes the chaos hosts for itself, says `ready <run name>` and waits to be
 * signalled: the host network test kills it (SIGKILL: a crashed run's leftovers) or asks it to
 * stop (SIGTERM: its own handler removes them).
 */
import { HostNetwork } from '../../chaos/hosts/netns';
import { planTopology, runNameOf } from '../../chaos/hosts/topology';

const topology = planTopology(runNameOf(process.pid), { zookeepers: 1, brokers: 1 });
HostNetwork.create(topology).then(() => {
  process.stdout.write(`ready ${topology.runName}\n`);
  setInterval(() => undefined, 60_000);
}, (err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
