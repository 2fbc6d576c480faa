import {
  bridgeAddress, cutScripts, describeDrops, execOn, hostOf, isolate, leftovers, oneWay, ownerPidOf, planTopology, runNameOf, setupCommands,
} from '../../../chaos/hosts/topology';

describe('the chaos hosts plan', () => {
  const topology = planTopology(runNameOf(4_194_304), { zookeepers: 3, brokers: 3 });

  it('gives each ZooKeeper node and broker a namespace and an address of its own, named after the run', () => {
    expect(topology.bridge).toBe('jf4194304-br');
    expect(topology.hosts.map((h) => [h.label, h.namespace, h.address, h.link])).toEqual([
      ['zk1', 'jf4194304-zk1', '198.18.0.11', 'jf4194304-zk1'],
      ['zk2', 'jf4194304-zk2', '198.18.0.12', 'jf4194304-zk2'],
      ['zk3', 'jf4194304-zk3', '198.18.0.13', 'jf4194304-zk3'],
      ['b1', 'jf4194304-b1', '198.18.0.21', 'jf4194304-b1'],
      ['b2', 'jf4194304-b2', '198.18.0.22', 'jf4194304-b2'],
      ['b3', 'jf4194304-b3', '198.18.0.23', 'jf4194304-b3'],
    ]);
    expect(execOn(hostOf(topology, 'broker', 2))).toEqual(['ip', 'netns', 'exec', 'jf4194304-b2']);
    expect(() => planTopology('josef', { zookeepers: 3, brokers: 3 })).toThrow(/not a run name/);
    expect(() => planTopology('jf1', { zookeepers: 3, brokers: 10 })).toThrow(/between 1 and 9/);
  });

  it('makes the bridge the clients sit on, and no route off it', () => {
    const commands = setupCommands(topology).map((c) => c.join(' '));
    expect(commands.slice(0, 3)).toEqual(['ip link add jf4194304-br type bridge', `ip addr add ${bridgeAddress}/24 dev jf4194304-br`, 'ip link set jf4194304-br up']);
    expect(commands).toContain('ip link add jf4194304-b1 type veth peer name eth0 netns jf4194304-b1');
    expect(commands).toContain('ip -n jf4194304-b1 addr add 198.18.0.21/24 dev eth0');
    expect(commands.filter((c) => /route|nat|masquerade|forward/i.test(c))).toEqual([]);
    for (const c of commands) expect(c).not.toMatch(/ (?!198\.18\.0\.)\d+\.\d+\.\d+\.\d+/);
  });

  it('tells a crashed run\'s leftovers from a live run\'s and its own', () => {
    expect(ownerPidOf('jf123-b1')).toBe(123);
    expect(ownerPidOf('jf123')).toBe(123);
    expect(ownerPidOf('jfx-b1')).toBeUndefined();
    expect(ownerPidOf('eth0')).toBeUndefined();
    const alive = (pid: number): boolean => pid === 200 || pid === 300;
    expect(leftovers(['jf100-zk1', 'jf200-zk1', 'jf300-b1', 'other'], ['lo', 'jf100-br', 'jf100-zk1', 'jf200-br', 'jf1000-br'], alive, 'jf300'))
      .toEqual({ namespaces: ['jf100-zk1'], links: ['jf100-br', 'jf100-zk1', 'jf1000-br'] });
  });

  it('cuts a link where its packets arrive, so the sender only meets silence, and heals by removing the table', () => {
    const drops = isolate(['b1'], ['zk1', 'zk2']);
    expect(describeDrops(drops)).toBe('b1->zk1 b1->zk2 zk1->b1 zk2->b1');
    const scripts = cutScripts(topology, drops);
    expect(scripts.get('jf4194304-b1')).toBe([
      'table inet jf4194304 {}',
      'delete table inet jf4194304',
      'table inet jf4194304 {',
      '  chain input {',
      '    type filter hook input priority filter; policy accept;',
      '    ip saddr { 198.18.0.11, 198.18.0.12 } drop',
      '  }',
      '}',
      '',
    ].join('\n'));
    expect(scripts.get('jf4194304-zk1')).toContain('ip saddr { 198.18.0.21 } drop');
    expect(scripts.get('jf4194304-zk3')).toBe('table inet jf4194304 {}\ndelete table inet jf4194304\n');
    for (const script of cutScripts(topology, []).values()) expect(script).toBe('table inet jf4194304 {}\ndelete table inet jf4194304\n');
    for (const script of scripts.values()) expect(script).not.toMatch(new RegExp(`${bridgeAddress.replace(/\./g, '\\.')}\\b(?!\\.)`));
  });

  it('cuts one way only when asked', () => {
    expect(oneWay(['b2'], ['zk1', 'zk2', 'zk3'])).toEqual([{ from: 'b2', to: 'zk1' }, { from: 'b2', to: 'zk2' }, { from: 'b2', to: 'zk3' }]);
    const scripts = cutScripts(topology, oneWay(['b2'], ['zk1']));
    expect(scripts.get('jf4194304-zk1')).toContain('ip saddr { 198.18.0.22 } drop');
    expect(scripts.get('jf4194304-b2')).not.toContain('drop');
    expect(oneWay(['b1', 'b2'], ['b2'])).toEqual([{ from: 'b1', to: 'b2' }]);
  });
});
