import { groupByTopic } from '../../../src/protocol/messages';
import { splitByTopic, type AuthorizeRequest } from '../../../src/server/handlers/authorization';
import type { RequestContext } from '../../../src/server/request-context';

const ctx: RequestContext = {
  protocol: 'kafka', listenerName: 'PLAINTEXT', principal: 'User:alice', clientId: 'test', correlationId: 1, apiVersion: 7, remoteAddress: '127.0.0.1:5000',
};

const items = [
  { topic: 'a', partition: 0 },
  { topic: 'a', partition: 1 },
  { topic: 'b', partition: 0 },
  { topic: 'a', partition: 2 },
  { topic: 'c', partition: 0 },
  { topic: 'b', partition: 1 },
];

describe('groupByTopic', () => {
  it('groups one topic into one entry, partitions in item order', () => {
    expect(groupByTopic(items.slice(0, 2), (i) => i.topic, (i) => i.partition)).toEqual([{ name: 'a', partitions: [0, 1] }]);
  });

  it('puts a topic that comes back with its first group: topics in first-seen order, partitions in item order', () => {
    expect(groupByTopic(items, (i) => i.topic, (i) => i.partition)).toEqual([
      { name: 'a', partitions: [0, 1, 2] },
      { name: 'b', partitions: [0, 1] },
      { name: 'c', partitions: [0] },
    ]);
  });

  it('gives nothing for no items', () => {
    expect(groupByTopic([], (i: { topic: string }) => i.topic, () => 0)).toEqual([]);
  });
});

describe('splitByTopic', () => {
  it('asks the authorizer once per topic, whatever the order of the entries', () => {
    const asked: string[] = [];
    const authorize: AuthorizeRequest = (_ctx, _operation, _type, name) => {
      asked.push(name);
      return name !== 'b';
    };
    const { authorized, refused } = splitByTopic(items, authorize, ctx, 'Write');
    expect(asked).toEqual(['a', 'b', 'c']);
    expect(authorized).toEqual([items[0], items[1], items[3], items[4]]);
    expect(refused).toEqual([items[2], items[5]]);
  });

  it('keeps a refusal for a topic that comes back after another', () => {
    const authorize: AuthorizeRequest = (_ctx, _operation, _type, name) => name === 'b';
    const { authorized, refused } = splitByTopic(items, authorize, ctx, 'Write');
    expect(authorized).toEqual([items[2], items[5]]);
    expect(refused).toEqual([items[0], items[1], items[3], items[4]]);
  });
});
