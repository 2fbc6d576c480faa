import { ErrorCode } from '../../../src/common/errors';
import { topicConfig, validateTopicConfigs } from '../../../src/common/topic-config';
import { logConfig } from '../../../src/storage/log-config';

describe('topic configs', () => {
  it('accepts Kafka topic settings and refuses unknown names or bad values with INVALID_CONFIG', () => {
    expect(() => validateTopicConfigs({ 'retention.ms': '-1', 'segment.bytes': '1048576', 'min.insync.replicas': '2', 'cleanup.policy': 'delete' })).not.toThrow();
    const bads: Record<string, string>[] = [{ 'retention.ms': 'soon' }, { 'segment.bytes': '10' }, { 'cleanup.policy': 'compact' }, { 'no.such.setting': '1' }, { 'min.insync.replicas': '0' }];
    for (const bad of bads) {
      expect(() => validateTopicConfigs(bad)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_CONFIG.code }));
    }
  });

  it('applies overrides over the broker defaults', () => {
    const base = logConfig();
    const settings = topicConfig(base, 1, { 'retention.ms': '60000', 'max.message.bytes': '2048', 'min.insync.replicas': '2' });
    expect(settings.log).toEqual({ ...base, retentionMs: 60000, maxMessageBytes: 2048 });
    expect(settings.minInsyncReplicas).toBe(2);
    expect(topicConfig(base, 3, {}).minInsyncReplicas).toBe(3);
  });
});
