/**
 * The chaos run's hosts, planned: each ZooKeeper node and each broker is a Linux network namespace
 * with an address of its own in 198.18.0.0/24 (RFC 2544's benchmarking range), joined by one
 * bridge whose address, 198.18.0.1, is where the clients and the checker run (the root namespace).
 * No route leaves the bridge: the namespaces get only their subnet's route, no default route, no
 * NAT. Pure: names, addresses, the `ip` command lines that make them and the nftables scripts that
 * cut links between them; netns.ts runs them. Every name starts with the run's name, which
 * carries the pid of the process that made it, so a later run tells a crashed run's leftovers
 * (dead pid) from a live run's.
 */

export const hostsSubnet = '198.18.0.0/24';
export const bridgeAddress = '198.18.0.1';
const subnetPrefix = '198.18.0.';
const prefixLength = 24;
/** Hosts of a kind get consecutive addresses from here: ZooKeeper nodes .11-.19, brokers .21-.29. */
const firstHostByKind: Record<HostKind, number> = { zookeeper: 11, broker: 21 };
const hostsPerKindMax = 9;
const runNamePrefix = 'jf';
/** Linux's IFNAMSIZ less its NUL: the longest name a link can have. */
const linkNameLengthMax = 15;

export type HostKind = 'zookeeper' | 'broker';

export interface Host {
  kind: HostKind;
  /** ZooKeeper's myid or the broker id, from 1. */
  id: number;
  /** `zk1`, `b2`: what faults and reports call it. */
  label: string;
  namespace: string;
  address: string;
  /** The root namespace's end of the host's veth pair, enslaved to the bridge (the other end is the host's eth0). */
  link: string;
}

export interface Topology {
  runName: string;
  bridge: string;
  hosts: Host[];
}

/** The run's name: the prefix and the pid of the process that owns everything named after it. */
export function runNameOf(pid: number): string {
  return `${runNamePrefix}${pid}`;
}

/** The pid in a name made from runNameOf (the name itself or one that starts with it and a dash), or undefined. */
export function ownerPidOf(name: string): number | undefined {
  const match = new RegExp(`^${runNamePrefix}(\\d+)(-|$)`).exec(name);
  return match ? Number(match[1]) : undefined;
}

export function hostLabel(kind: HostKind, id: number): string {
  return `${kind === 'zookeeper' ? 'zk' : 'b'}${id}`;
}

export function planTopology(runName: string, counts: { zookeepers: number; brokers: number }): Topology {
  if (ownerPidOf(runName) === undefined) throw new Error(`"${runName}" is not a run name (${runNamePrefix}<pid>)`);
  const hosts: Host[] = [];
  for (const kind of ['zookeeper', 'broker'] as const) {
    const count = kind === 'zookeeper' ? counts.zookeepers : counts.brokers;
    if (!Number.isInteger(count) || count < 1 || count > hostsPerKindMax) throw new Error(`${count} ${kind} hosts: between 1 and ${hostsPerKindMax}`);
    for (let id = 1; id <= count; id++) {
      const label = hostLabel(kind, id);
      hosts.push({ kind, id, label, namespace: `${runName}-${label}`, address: `${subnetPrefix}${firstHostByKind[kind] + id - 1}`, link: `${runName}-${label}` });
    }
  }
  const bridge = `${runName}-br`;
  for (const name of [bridge, ...hosts.map((h) => h.link)]) {
    if (name.length > linkNameLengthMax) throw new Error(`link name ${name} is longer than Linux allows (${linkNameLengthMax})`);
  }
  return { runName, bridge, hosts };
}

export function hostOf(topology: Topology, kind: HostKind, id: number): Host {
  const host = topology.hosts.find((h) => h.kind === kind && h.id === id);
  if (!host) throw new Error(`the topology has no ${kind} ${id}`);
  return host;
}

export function hostLabeled(topology: Topology, label: string): Host {
  const host = topology.hosts.find((h) => h.label === label);
  if (!host) throw new Error(`the topology has no host ${label}`);
  return host;
}

/** The argv that runs a command on a host (inside its namespace). */
export function execOn(host: Host): string[] {
  return ['ip', 'netns', 'exec', host.namespace];
}

/** `ip` command lines that make the bridge and every host, in order. */
export function setupCommands(topology: Topology): string[][] {
  const commands: string[][] = [
    ['ip', 'link', 'add', topology.bridge, 'type', 'bridge'],
    ['ip', 'addr', 'add', `${bridgeAddress}/${prefixLength}`, 'dev', topology.bridge],
    ['ip', 'link', 'set', topology.bridge, 'up'],
  ];
  for (const host of topology.hosts) {
    commands.push(
      ['ip', 'netns', 'add', host.namespace],
      ['ip', 'link', 'add', host.link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.namespace],
      ['ip', 'link', 'set', host.link, 'master', topology.bridge],
      ['ip', 'link', 'set', host.link, 'up'],
      ['ip', '-n', host.namespace, 'link', 'set', 'lo', 'up'],
      ['ip', '-n', host.namespace, 'addr', 'add', `${host.address}/${prefixLength}`, 'dev', 'eth0'],
      ['ip', '-n', host.namespace, 'link', 'set', 'eth0', 'up'],
    );
  }
  return commands;
}

/**
 * What to remove of runs whose owner is gone, from the names `ip netns list` and `ip link` show:
 * namespaces first (their processes killed; a namespace takes its veth end, and so the pair, with
 * it), then links. `isAlive` says whether a pid runs; `ownRunName` is never a leftover.
 */
export function leftovers(namespaces: readonly string[], links: readonly string[], isAlive: (pid: number) => boolean, ownRunName?: string): { namespaces: string[]; links: string[] } {
  const stale = (name: string): boolean => {
    const pid = ownerPidOf(name);
    return pid !== undefined && !name.startsWith(`${ownRunName}-`) && name !== ownRunName && !isAlive(pid);
  };
  return { namespaces: namespaces.filter(stale), links: links.filter(stale) };
}

/** A directed cut: packets from `from` to `to` are dropped (by `to`, so that `from` sees only silence, as in a real partition). */
export interface Drop {
  from: string;
  to: string;
}

/** Both directions between every host of `a` and every host of `b`. */
export function isolate(a: readonly string[], b: readonly string[]): Drop[] {
  return [...oneWay(a, b), ...oneWay(b, a)];
}

/** Packets from every host of `from` to every host of `to` dropped; the other way untouched. */
export function oneWay(from: readonly string[], to: readonly string[]): Drop[] {
  return from.flatMap((f) => to.filter((t) => t !== f).map((t) => ({ from: f, to: t })));
}

/**
 * The nftables script each namespace gets for `drops`: a table named after the run, replacing any
 * it had, whose input chain drops what comes from the cut hosts. Hosts with nothing to drop get
 * an empty script (their table is removed). The clients' address is never dropped.
 */
export function cutScripts(topology: Topology, drops: readonly Drop[]): Map<string, string> {
  const scripts = new Map<string, string>();
  for (const host of topology.hosts) {
    const sources = [...new Set(drops.filter((d) => d.to === host.label).map((d) => hostLabeled(topology, d.from).address))].sort();
    const chain = sources.length === 0 ? '' : [
      `table inet ${topology.runName} {`,
      '  chain input {',
      '    type filter hook input priority filter; policy accept;',
      `    ip saddr { ${sources.join(', ')} } drop`,
      '  }',
      '}',
      '',
    ].join('\n');
    scripts.set(host.namespace, `${removeTableScript(topology.runName)}${chain}`);
  }
  return scripts;
}

/** Removes the run's table whether or not it exists (nft 1.0.6 has no `destroy`: declaring it first makes the delete safe). */
export function removeTableScript(runName: string): string {
  return `table inet ${runName} {}\ndelete table inet ${runName}\n`;
}

/** `zk1 -> b2` lines, for logs and reports. */
export function describeDrops(drops: readonly Drop[]): string {
  return drops.map((d) => `${d.from}->${d.to}`).join(' ');
}
