import { AssertionError } from '../../../src/common/assert';
import { ErrorCode, JosefError } from '../../../src/common/errors';
import { createLogger } from '../../../src/common/logger';
import { ApiKey } from '../../../src/protocol/api-keys';
import { AnswerThen, Dispatcher } from '../../../src/server/dispatcher';
import type { RequestContext } from '../../../src/server/request-context';

const ctx = (apiVersion = 0): RequestContext => ({ protocol: 'josef', listenerName: 'PLAINTEXT', principal: 'User:ANONYMOUS', clientId: 'c', correlationId: 1, apiVersion, remoteAddress: '127.0.0.1:1' });

describe('Dispatcher', () => {
  const lines: string[] = [];
  const logger = createLogger('test', (line) => lines.push(line));
  beforeEach(() => {
    lines.length = 0;
  });

  it('routes by API key and version range, and lists what it speaks for ApiVersions', async () => {
    const dispatcher = new Dispatcher(logger);
    dispatcher.register(ApiKey.Metadata, () => ({ brokers: [], clusterId: 'x', controllerId: 1, topics: [] }));
    dispatcher.register(ApiKey.ApiVersions, () => ({ errorCode: 0, apiKeys: dispatcher.supportedApis() }), { maxVersion: 2 });
    expect(await dispatcher.dispatch(ApiKey.Metadata, { topics: null }, ctx())).toMatchObject({ clusterId: 'x' });
    expect(await dispatcher.dispatch(ApiKey.ApiVersions, {}, ctx(2))).toEqual({
      errorCode: 0,
      apiKeys: [
        { apiKey: ApiKey.Metadata, minVersion: 0, maxVersion: 0 },
        { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 2 },
      ],
    });
    expect(await dispatcher.dispatch(ApiKey.Metadata, {}, ctx(1))).toEqual({ errorCode: ErrorCode.UNSUPPORTED_VERSION.code });
    expect(await dispatcher.dispatch(999, {}, ctx())).toEqual({ errorCode: ErrorCode.UNSUPPORTED_VERSION.code });
    expect(lines.filter((l) => l.includes('WARN') && l.includes('unsupported API or version'))).toHaveLength(2);
  });

  it('passes a null result through and turns throws into codes', async () => {
    const dispatcher = new Dispatcher(logger);
    dispatcher.register(ApiKey.Produce, (body) => {
      if (body.acks === 0) return null;
      if (body.acks === 1) throw new JosefError(ErrorCode.NOT_ENOUGH_REPLICAS);
      return Promise.reject(new Error('disk on fire'));
    });
    expect(await dispatcher.dispatch(ApiKey.Produce, { acks: 0 }, ctx())).toBeNull();
    expect(await dispatcher.dispatch(ApiKey.Produce, { acks: 1 }, ctx())).toEqual({ errorCode: ErrorCode.NOT_ENOUGH_REPLICAS.code });
    expect(await dispatcher.dispatch(ApiKey.Produce, { acks: -1 }, ctx())).toEqual({ errorCode: ErrorCode.UNKNOWN_SERVER_ERROR.code });
    expect(lines.some((l) => l.includes('WARN') && l.includes('Produce v0 request 1 from c@127.0.0.1:1 failed: NOT_ENOUGH_REPLICAS'))).toBe(true);
    expect(lines.some((l) => l.includes('ERROR') && l.includes('Error: disk on fire'))).toBe(true);
  });

  it('hands a Fetch answer on with what to do once it is written, and says which APIs are pipelined', async () => {
    const dispatcher = new Dispatcher(logger);
    const released: string[] = [];
    const response = { throttleTimeMs: 0, errorCode: 0, topics: [] };
    dispatcher.register(ApiKey.Fetch, () => new AnswerThen(response, () => released.push('buffers')));
    dispatcher.register(ApiKey.Produce, () => null, { pipelined: true });
    const result = await dispatcher.dispatch(ApiKey.Fetch, {}, ctx());
    expect(result).toBeInstanceOf(AnswerThen);
    expect((result as AnswerThen<object>).response).toBe(response);
    expect(released).toEqual([]);
    (result as AnswerThen<object>).afterWrite();
    expect(released).toEqual(['buffers']);
    expect(dispatcher.isPipelined(ApiKey.Produce)).toBe(true);
    expect(dispatcher.isPipelined(ApiKey.Fetch)).toBe(false);
    expect(dispatcher.isPipelined(999)).toBe(false);
  });

  it('refuses a second handler for the same API', () => {
    const dispatcher = new Dispatcher(logger);
    dispatcher.register(ApiKey.Fetch, () => null);
    expect(() => dispatcher.register(ApiKey.Fetch, () => null)).toThrow(AssertionError);
  });
});
