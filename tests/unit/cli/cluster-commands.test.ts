/** The pure halves of the cluster-inspecting commands: zk tree drawing, cluster up, status and its exit code, describe filters, kill signals. */
import { parseKillSignal } from '../../../src/cli/broker';
import { formatClusterTable } from '../../../src/cli/cluster';
import { inspectedZookeeper, isSameProcess, newClusterState, processLiveness, processStartTicks } from '../../../src/local/cluster-state';
import {
  brokerRows, formatClusterStatus, isOffline, isUnderReplicated, statusVerdict, type ClusterSnapshot, type DataDirCluster,
} from '../../../src/cli/cluster-status';
import { formatDescribe } from '../../../src/cli/topic';
import { formatZnodeTree, prettyJson, renderZnodeData, type ZnodeTree } from '../../../src/cli/zk-tree';
import { plaintextEndpoint, type ListenerEndpoint } from '../../../src/common/endpoint';

function znode(path: string, data: unknown, children: ZnodeTree[] = [], ephemeral = false): ZnodeTree {
  const bytes = data === undefined ? Buffer.alloc(0) : Buffer.isBuffer(data) ? data : Buffer.from(typeof data === 'string' ? data : JSON.stringify(data));
  return { name: path === '/' ? '/' : path.slice(path.lastIndexOf('/') + 1), path, data: bytes, ephemeral, children, childrenOmitted: 0 };
}

describe('zk tree drawing', () => {
  it('draws children with box lines, compact JSON beside a znode, ephemeral ones marked', () => {
    const tree = znode('/brokers', undefined, [
      znode('/brokers/ids', undefined, [znode('/brokers/ids/1', { host: 'h', port: 9092 }, [], true)]),
      znode('/brokers/topics', undefined, [
        znode('/brokers/topics/t', { version: 2, partitions: { 0: [1] } }, [
          znode('/brokers/topics/t/partitions', undefined, [znode('/brokers/topics/t/partitions/0', undefined, [
            znode('/brokers/topics/t/partitions/0/state', { leader: 1, isr: [1] })])]),
        ]),
      ]),
    ]);
    expect(formatZnodeTree(tree)).toBe([
      '/brokers',
      '├── ids',
      '│   └── 1 (ephemeral)  {"host":"h","port":9092}',
      '└── topics',
      '    └── t  {"version":2,"partitions":{"0":[1]}}',
      '        └── partitions',
      '            └── 0',
      '                └── state  {"leader":1,"isr":[1]}',
      '8 znodes',
      '',
    ].join('\n'));
  });

  it('pretty-prints data too wide for the line under the znode, keeping short parts on one line', () => {
    const wide = { endpoints: ['PLAINTEXT://127.0.0.1:9092'], host: 'a'.repeat(60), port: 9092 };
    const text = formatZnodeTree(znode('/b', undefined, [znode('/b/1', wide)]));
    expect(text).toContain([
      '└── 1',
      '      {',
      '        "endpoints": ["PLAINTEXT://127.0.0.1:9092"],',
      `        "host": "${'a'.repeat(60)}",`,
      '        "port": 9092',
      '      }',
    ].join('\n'));
    expect(prettyJson({ partitions: { 0: [1, 2, 3] } })).toEqual(['{"partitions":{"0":[1,2,3]}}']);
  });

  it('shows text as a quoted string, binary as a byte count, and says when the limit cut the tree', () => {
    expect(renderZnodeData(Buffer.from('not json'))?.compact).toBe('"not json"');
    expect(renderZnodeData(Buffer.from([0, 1, 2, 255]))?.compact).toBe('<4 bytes>');
    expect(renderZnodeData(Buffer.alloc(0))).toBeUndefined();
    const cut = { ...znode('/', undefined, [znode('/a', 1)]), childrenOmitted: 5 };
    const text = formatZnodeTree(cut);
    expect(text).toContain('├── a  1\n└── ... 5 more not shown');
    expect(text).toMatch(/limit was reached \(--max-znodes\)/);
  });
});

describe('cluster status', () => {
  const snapshot: ClusterSnapshot = {
    zookeeper: [{ server: '127.0.0.1:2181', mode: 'follower' }, { server: '127.0.0.1:2182', mode: 'leader' }, { server: '127.0.0.1:2183', mode: undefined }],
    liveBrokers: [
      { id: 1, endpoints: [plaintextEndpoint('127.0.0.1', 9092)], answer: { state: 'answers' } },
      { id: 2, endpoints: [plaintextEndpoint('127.0.0.1', 9093)], answer: { state: 'no answer', error: 'ApiVersions request timed out after 2000 ms' } },
      {
        id: 7, endpoints: [{ listenerName: 'INTERNAL', host: 'elsewhere', port: 9099 }, { listenerName: 'EXTERNAL', host: 'localhost', port: 9199 }],
        answer: { state: 'not asked' },
      },
    ],
    controllerId: 2,
    controllerEpoch: 4,
    partitions: [
      { topic: 'orders', partition: 0, replicas: [1, 2, 3], leader: 1, isr: [1, 2, 3] },
      { topic: 'orders', partition: 1, replicas: [2, 3, 1], leader: 2, isr: [2, 1] },
      { topic: 'solo', partition: 0, replicas: [3], leader: -1, isr: [3] },
    ],
  };
  const state = newClusterState({
    dataDir: '/d',
    zookeeper: { connect: '127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183/josef', localDir: '/d/zk', ensemble: 3 },
    brokers: [1, 2, 3].map((id) => ({ id, host: '127.0.0.1', port: 9091 + id, pid: 100 + id, logFile: `/d/logs/broker-${id}.log`, running: id !== 3 })),
  });
  const liveness = (pid: number | undefined): 'running' | 'gone' => (pid === 103 ? 'gone' : 'running');

  it('counts under-replicated (ISR below replicas) and offline (no live leader) partitions as Kafka does', () => {
    expect(snapshot.partitions.map(isUnderReplicated)).toEqual([false, true, false]);
    expect(snapshot.partitions.map((p) => isOffline(p))).toEqual([false, false, true]);
    expect(isOffline({ leader: 3 }, new Set([1, 2]))).toBe(true);
  });

  it('joins the processes of the state file with the registrations in ZooKeeper', () => {
    expect(brokerRows(snapshot, state, liveness).map((r) => [r.id, r.process, r.registered, r.answer?.state])).toEqual([
      [1, 'running', true, 'answers'], [2, 'running', true, 'no answer'], [3, 'gone', false, undefined], [7, 'unknown', true, 'not asked'],
    ]);
  });

  it('prints ZooKeeper, controller, the broker table and the partitions in trouble', () => {
    const text = formatClusterStatus(snapshot, state, state.zookeeper.connect, liveness);
    expect(text).toContain('(3-node ensemble, 2 of 3 serving: 127.0.0.1:2181 follower, 127.0.0.1:2182 leader, 127.0.0.1:2183 not serving)');
    // Four known (1-3 started by cluster up, 7 registered besides), three of them alive.
    expect(text).toContain('Brokers alive (registered in /brokers/ids): 3 of 4');
    expect(text).toContain('Controller: broker 2 (controller epoch 4)');
    expect(text).toContain('Registered but not answering (ApiVersions within 2000 ms): broker(s) 2');
    expect(text).toMatch(/^ +1 +127\.0\.0\.1:9092 +101 +running +yes +yes$/m);
    expect(text).toMatch(/^ +2 +127\.0\.0\.1:9093 +102 +running +yes +NO: ApiVersions request timed out after 2000 ms$/m);
    expect(text).toMatch(/^ +3 +127\.0\.0\.1:9094 +103 +gone +no +-$/m);
    expect(text).toMatch(/^ +7 +INTERNAL:\/\/elsewhere:9099, EXTERNAL:\/\/localhost:9199 +- +\(not ours\) +yes +not asked \(no PLAINTEXT listener\)$/m);
    expect(text).toContain('Under-replicated partitions (ISR smaller than replicas): 1\n  orders-1  leader 2  replicas 2,3,1  isr 2,1');
    expect(text).toContain('Offline partitions (no live leader): 1\n  solo-0  leader none  replicas 3  isr 3');
  });

  it('exits 0 only when the cluster of the data dir runs with every broker it started registered and answering, 3 when one is registered but silent', () => {
    const up: DataDirCluster = { dataDir: '/d', state, upAlive: true, holder: undefined };
    const rows = (registered: number[], silent: number[] = []): ReturnType<typeof brokerRows> => [1, 2, 3].map((id) => ({
      id, address: `127.0.0.1:${9091 + id}`, pid: 100 + id, process: 'running', registered: registered.includes(id),
      answer: !registered.includes(id) ? undefined : silent.includes(id) ? { state: 'no answer', error: 'timed out' } : { state: 'answers' },
    }));
    const notOurs = { id: 7, address: 'elsewhere:9099', pid: undefined, process: 'unknown' as const, registered: true, answer: { state: 'no answer' as const, error: 'timed out' } };
    const cases: Array<[string, DataDirCluster, ReturnType<typeof brokerRows> | undefined, number, string]> = [
      ['all registered', up, [...rows([1, 2, 3]), notOurs], 0, 'The cluster of /d is up: all 3 broker(s) registered in /brokers/ids (exit code 0)'],
      ['one not registered', up, rows([1, 3]), 2, 'The cluster of /d is not whole: broker(s) 2 of 3 not registered in /brokers/ids (exit code 2)'],
      ['one not registered, one not answering', up, rows([1, 3], [3]), 2, 'The cluster of /d is not whole: broker(s) 2 of 3 not registered in /brokers/ids (exit code 2)'],
      ['one registered but not answering', up, rows([1, 2, 3], [2]), 3,
        'The cluster of /d is not serving: broker(s) 2 of 3 registered in /brokers/ids but not answering (exit code 3)'],
      ['ZooKeeper unreadable', up, undefined, 2, 'The cluster of /d runs, but ZooKeeper 127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183/josef cannot be read (exit code 2)'],
      ['no cluster', { ...up, state: undefined, upAlive: false }, undefined, 1, 'No cluster runs from /d (exit code 1)'],
      ['cluster up gone', { ...up, upAlive: false }, rows([1, 2, 3]), 1, 'No cluster runs from /d: its josef cluster up (pid ' + state.pid + ') is gone (exit code 1)'],
      ['still starting', { ...up, state: undefined, upAlive: false, holder: { command: 'josef cluster up', pid: 42, isClusterUp: true } }, undefined, 1,
        'A cluster is starting in /d: `josef cluster up` (pid 42); not up yet (exit code 1)'],
      ['a demo\'s own cluster', { ...up, state: undefined, upAlive: false, holder: { command: 'josef demo failover', pid: 43, isClusterUp: false } }, [], 1,
        '`josef demo failover` (pid 43) runs a cluster of its own in /d, not one of josef cluster up (exit code 1)'],
    ];
    for (const [what, cluster, brokers, exitCode, line] of cases) {
      expect([what, statusVerdict(cluster, brokers)]).toEqual([what, { exitCode, line }]);
    }
  });
});

describe('cluster up', () => {
  it('prints each broker at every listener it registered; one PLAINTEXT listener as the host:port clients bootstrap from', () => {
    const broker = (id: number, endpoints: ListenerEndpoint[]) => ({
      id, host: '127.0.0.1', port: 9091 + id, endpoints, logDir: `/d/broker-${id}/data`, logFile: `/d/logs/broker-${id}.log`, pid: 100 + id, running: true,
    });
    const internal = { listenerName: 'INTERNAL', securityProtocol: 'PLAINTEXT' as const, host: '127.0.0.1', port: 19093 };
    const text = formatClusterTable([
      { ...broker(1, [plaintextEndpoint('127.0.0.1', 9092)]), metricsPort: 9192 },
      broker(2, [{ ...internal, listenerName: 'EXTERNAL', host: 'localhost', port: 9093 }, internal]),
      broker(3, []),
    ], 1, '127.0.0.1:2181/josef', '.josef');
    expect(text).toMatch(/^1 +127\.0\.0\.1:9092 +101 +http:\/\/127\.0\.0\.1:9192\/metrics /m);
    expect(text).toMatch(/^3 +127\.0\.0\.1:9094 +103 +- /m);
    expect(text).toMatch(/^2 +EXTERNAL:\/\/localhost:9093, INTERNAL:\/\/127\.0\.0\.1:19093 +102 /m);
    // Not registered yet: where the cluster connects to it.
    expect(text).toMatch(/^3 +127\.0\.0\.1:9094 +103 /m);
    expect(text).toContain('--bootstrap-server 127.0.0.1:9092');
  });
});

describe('topic describe filters', () => {
  const topics = [{
    name: 'orders',
    isInternal: false,
    partitions: [
      { partition: 0, leader: 1, replicas: [1, 2], isr: [1, 2], offlineReplicas: [] },
      { partition: 1, leader: 2, replicas: [2, 1], isr: [2], offlineReplicas: [] },
      { partition: 2, leader: -1, replicas: [3, 1], isr: [3, 1], offlineReplicas: [3] },
    ],
  }, { name: 'healthy', isInternal: false, partitions: [{ partition: 0, leader: 1, replicas: [1], isr: [1], offlineReplicas: [] }] }];

  it('lists only the matching partition lines, without summaries, as kafka-topics does', () => {
    expect(formatDescribe(topics, { underReplicated: true, unavailable: false })).toBe('\tTopic: orders Partition: 1 Leader: 2 Replicas: 2,1 Isr: 2\n');
    expect(formatDescribe(topics, { underReplicated: false, unavailable: true })).toBe('\tTopic: orders Partition: 2 Leader: none Replicas: 3,1 Isr: 3,1 Offline: 3\n');
    expect(formatDescribe(topics, { underReplicated: true, unavailable: true }).split('\n')).toHaveLength(3);
    expect(formatDescribe(topics, { underReplicated: false, unavailable: false })).toMatch(/^Topic: orders PartitionCount: 3/);
  });
});

describe('broker kill and the state file', () => {
  it('takes KILL, TERM, STOP and CONT, with or without SIG, in any case', () => {
    expect(['kill', 'SIGTERM', 'Stop', 'cont'].map(parseKillSignal)).toEqual(['KILL', 'TERM', 'STOP', 'CONT']);
    expect(() => parseKillSignal('HUP')).toThrow('--signal wants one of KILL, TERM, STOP, CONT');
  });

  it('reads ZooKeeper from --zookeeper, else the cluster of the data dir, else JOSEF_ZK, else the default', () => {
    const noDir = '/nonexistent-josef-dir';
    expect(inspectedZookeeper('h:1/x', noDir, {})).toEqual({ connect: 'h:1/x', source: '--zookeeper' });
    expect(inspectedZookeeper(undefined, noDir, { JOSEF_ZK: 'z:2181' })).toEqual({ connect: 'z:2181', source: 'JOSEF_ZK' });
    expect(inspectedZookeeper(undefined, noDir, {})).toEqual({ connect: '127.0.0.1:2181', source: 'default' });
  });

  it('does not take a pid for a broker unless its command line says so', () => {
    expect(processLiveness(process.pid, ['broker', 'start', '--id', '1'])).toBe('gone');
    expect(processLiveness(undefined, ['x'])).toBe('gone');
  });

  it('tells a process from a later one given the same pid by its start time', () => {
    const startTicks = processStartTicks(process.pid);
    expect(startTicks).toMatch(/^\d+$/);
    expect(isSameProcess(process.pid, startTicks)).toBe(true);
    expect(isSameProcess(process.pid, `${startTicks}0`)).toBe(false);
  });
});
