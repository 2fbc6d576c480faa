import { ErrorCode } from '../../../src/common/errors';
import { topicConfig, validateTopicConfigs } from '../../../src/storage/topic-config';
import { logConfig } from '../../../src/storage/log-config';

describe('topic configs', () => {
  it('accepts Kafka topic settings and refuses unknown names or bad values with INVALID_CONFIG', () => {
    expect(() => validateTopicConfigs({ 'retention.ms': '-1', 'segment.bytes': '1048576', 'min.insync.replicas': '2', 'cleanup.policy': 'delete' })).not.toThrow();
    const bads: Record<string, string>[] = [{ 'retention.ms': 'soon' }, { 'segment.bytes': '10' }, { 'cleanup.policy': 'shred' }, { 'no.such.setting': '1' }, { 'min.insync.replicas': '0' }];
    for (const bad of bads) {
      expect(() => validateTopicConfigs(bad)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_CONFIG.code }));
    }
  });

  it('takes Kafka\'s compaction settings: cleanup.policy as a list, the dirty ratio between 0 and 1, lags that do not conflict', () => {
    const policies: [string, string | undefined][] = [
      ['delete', 'delete'], ['compact', 'compact'], ['compact,delete', 'compact,delete'], ['delete, compact', 'compact,delete'],
      ['compact,compact', 'compact'], ['', undefined], ['Compact', undefined], ['compact;delete', undefined],
    ];
    for (const [raw, policy] of policies) {
      if (policy === undefined) {
        expect(() => validateTopicConfigs({ 'cleanup.policy': raw })).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_CONFIG.code }));
      } else {
        expect(topicConfig(logConfig(), 1, { 'cleanup.policy': raw }).log.cleanupPolicy).toBe(policy);
      }
    }
    expect(() => validateTopicConfigs({ 'min.cleanable.dirty.ratio': '0.01', 'delete.retention.ms': '0', 'min.compaction.lag.ms': '5', 'max.compaction.lag.ms': '5' })).not.toThrow();
    const bads: Record<string, string>[] = [{ 'min.cleanable.dirty.ratio': '1.5' }, { 'min.cleanable.dirty.ratio': 'half' }, { 'max.compaction.lag.ms': '0' }, { 'delete.retention.ms': '-1' }];
    for (const bad of bads) {
      expect(() => validateTopicConfigs(bad)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_CONFIG.code }));
    }
    expect(() => validateTopicConfigs({ 'min.compaction.lag.ms': '10', 'max.compaction.lag.ms': '9' })).toThrow(/min.compaction.lag.ms \(10\) > max.compaction.lag.ms \(9\)/);
    const log = topicConfig(logConfig(), 1, { 'min.cleanable.dirty.ratio': '0.25', 'min.compaction.lag.ms': '100', 'max.compaction.lag.ms': '2000', 'delete.retention.ms': '300' }).log;
    expect(log).toMatchObject({ minCleanableDirtyRatio: 0.25, minCompactionLagMs: 100, maxCompactionLagMs: 2000, deleteRetentionMs: 300 });
  });

  it('applies overrides over the broker defaults', () => {
    const base = logConfig();
    const settings = topicConfig(base, 1, { 'retention.ms': '60000', 'max.message.bytes': '2048', 'min.insync.replicas': '2' });
    expect(settings.log).toEqual({ ...base, retentionMs: 60000, maxMessageBytes: 2048 });
    expect(settings.minInsyncReplicas).toBe(2);
    expect(topicConfig(base, 3, {}).minInsyncReplicas).toBe(3);
  });
});
