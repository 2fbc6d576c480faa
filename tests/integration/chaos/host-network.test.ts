/**
 * The chaos run's hosts for real (root): namespaces on a bridge that reach each other and the
 * clients' address and nothing else; cuts that drop packets where they arrive, one way or both,
 * while the clients still reach every host; healing; and nothing left behind, whether the run
 * removes its hosts, is told to stop, or is killed (the next run removes what it left).
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { HostNetwork } from '../../../chaos/hosts/netns';
import { execOn, hostOf, isolate, oneWay, planTopology, runNameOf, type Host, type Topology } from '../../../chaos/hosts/topology';
import { TestChild, runChild, stopAllChildren } from '../../helpers/child-processes';
import { describeOnHosts, namedAfter } from '../../helpers/hosts';
import { waitFor } from '../../helpers/wait';

jest.setTimeout(120_000);

const port = 7070;
/** A connection that gets no answer in this long counts as cut. */
const connectTimeoutMs = 1_500;
const childPath = path.join(__dirname, '../../helpers/hosts-child.ts');


/** `connected`, `refused`, `timeout` or another error code: a connection from `from` (a host, or the root namespace) to host:port. */
async function connectFrom(from: Host | undefined, to: Host): Promise<string> {
  const script = `const s = require('net').connect(${port}, '${to.address}');
    s.setTimeout(${connectTimeoutMs}, () => { console.log('timeout'); process.exit(0); });
    s.on('connect', () => { console.log('connected'); process.exit(0); });
    s.on('error', (e) => { console.log(e.code === 'ECONNREFUSED' ? 'refused' : e.code); process.exit(0); });`;
  const argv = [...(from ? execOn(from) : []), process.execPath, '-e', script];
  const exit = await runChild(argv[0], argv.slice(1), 10_000);
  return exit.stdout.toString().trim();
}

function listenOn(host: Host): TestChild {
  const argv = [...execOn(host), process.execPath, '-e', `require('net').createServer((s) => s.end()).listen(${port}, '${host.address}', () => console.log('listening'))`];
  return new TestChild(argv[0], argv.slice(1));
}

describeOnHosts('the chaos hosts', () => {
  let topology: Topology;
  let network: HostNetwork | undefined;

  afterAll(async () => {
    await stopAllChildren();
    network?.destroy();
  });

  it('removes what a killed run left, and a run told to stop removes its own', async () => {
    const killed = new TestChild(process.execPath, ['-r', 'ts-node/register/transpile-only', childPath]);
    const killedRun = await killed.waitForOutput((c) => c.stdoutLines().find((l) => l.startsWith('ready '))?.slice(6), 60_000, 'the hosts made');
    await killed.stop('SIGKILL');
    expect(namedAfter(killedRun).length).toBeGreaterThan(0);

    const stopped = new TestChild(process.execPath, ['-r', 'ts-node/register/transpile-only', childPath]);
    const stoppedRun = await stopped.waitForOutput((c) => c.stdoutLines().find((l) => l.startsWith('ready '))?.slice(6), 60_000, 'the hosts made');
    expect(namedAfter(killedRun)).toEqual([]); // the second run removed the first one's leftovers
    expect((await stopped.stop('SIGTERM')).signal).toBe('SIGTERM');
    expect(namedAfter(stoppedRun)).toEqual([]);

    topology = planTopology(runNameOf(process.pid), { zookeepers: 1, brokers: 2 });
    network = await HostNetwork.create(topology);
  });

  it('lets hosts reach each other and the clients reach them, over the bridge only', async () => {
    const b1 = hostOf(topology, 'broker', 1);
    const b2 = hostOf(topology, 'broker', 2);
    const server = listenOn(b1);
    await server.waitForOutput((c) => c.stdoutLines().includes('listening') || undefined, 30_000, 'the server to listen');
    expect(await connectFrom(b2, b1)).toBe('connected');
    expect(await connectFrom(undefined, b1)).toBe('connected');
    // No route leaves the bridge: nothing but the subnet.
    expect(execFileSync('ip', ['-n', b2.namespace, 'route'], { encoding: 'utf8' }).trim()).toBe('198.18.0.0/24 dev eth0 proto kernel scope link src 198.18.0.22');
    expect(await connectFrom(b2, { ...b1, address: '192.0.2.1' })).toBe('ENETUNREACH');
  });

  it('cuts links in silence, one way or both, leaves the clients\' links alone, and heals', async () => {
    const zk1 = hostOf(topology, 'zookeeper', 1);
    const b1 = hostOf(topology, 'broker', 1);
    const b2 = hostOf(topology, 'broker', 2);
    await network?.cut(oneWay(['b2'], ['b1']));
    expect(await connectFrom(b2, b1)).toBe('timeout');
    expect(await connectFrom(zk1, b1)).toBe('connected');
    expect(await connectFrom(undefined, b1)).toBe('connected');
    await network?.cut(isolate(['b1'], ['zk1', 'b2']));
    expect(await connectFrom(b2, b1)).toBe('timeout');
    expect(await connectFrom(zk1, b1)).toBe('timeout');
    expect(await connectFrom(undefined, b1)).toBe('connected');
    await network?.heal();
    expect(await connectFrom(b2, b1)).toBe('connected');
    expect(await connectFrom(zk1, b1)).toBe('connected');
  });

  it('removes every namespace and link it made, and the processes in them', async () => {
    const b2 = hostOf(topology, 'broker', 2);
    const sleeper = new TestChild(execOn(b2)[0], [...execOn(b2).slice(1), 'sleep', '600']);
    await waitFor(() => execFileSync('ip', ['netns', 'pids', b2.namespace], { encoding: 'utf8' }).trim() !== '', { timeoutMs: 10_000, message: 'the sleeper to run on b2' });
    network?.destroy();
    network = undefined;
    expect(namedAfter(topology.runName)).toEqual([]);
    expect((await sleeper.exited).signal).toBe('SIGKILL');
  });
});
