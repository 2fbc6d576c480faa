import { formatGroupDescription, groupPartitionRows } from '../../../src/cli/group';

describe('josef group describe output', () => {
  it('joins committed offsets with owners and prints Kafka\'s columns, lag where both offsets are known', () => {
    const rows = groupPartitionRows(
      { groupId: 'g', state: 'Stable', protocolType: 'consumer', protocol: 'range', coordinator: 1, members: [{ memberId: 'm-1', clientId: 'c', clientHost: '/127.0.0.1', assignment: [{ topic: 't', partition: 1 }] }] },
      new Map([['t-0', { topic: 't', partition: 0, offset: 5 }], ['t-1', { topic: 't', partition: 1, offset: -1 }]]),
    );
    rows[0].logEndOffset = 8;
    rows[1].logEndOffset = 3;
    expect(formatGroupDescription('g', rows).split('\n')).toEqual([
      'GROUP  TOPIC  PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG  CONSUMER-ID  HOST        CLIENT-ID',
      '-----  -----  ---------  --------------  --------------  ---  -----------  ----------  ---------',
      'g      t              0               5               8    3  -            -           -',
      'g      t              1               -               3    -  m-1          /127.0.0.1  c',
      '',
    ]);
  });
});
