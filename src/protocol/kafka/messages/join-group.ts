/**
 * JoinGroup (key 11), versions 0-5. Version 0 has no rebalance timeout: Kafka uses the session
 * timeout for it. From version 4 a first join must come back with a member id the coordinator
 * hands out (KIP-394, MEMBER_ID_REQUIRED); older clients never get that error. Version 5 names a
 * group.instance.id (KIP-345), served only when null (src/server/handlers/static-membership.ts);
 * every member is therefore answered with a null instance id. The protocol name, null in Josef's
 * answer to a failed join, is a non-nullable string in these versions: Kafka sends "".
 */
import { ApiKey } from '../../api-keys';
import type { JoinGroupRequest, JoinGroupResponse } from '../../messages';
import { kafkaApi } from '../api';
import type { Struct } from '../codec';
import { array, field, message } from '../schema';

export const joinGroupApi = kafkaApi({
  apiKey: ApiKey.JoinGroup,
  versions: '0-5',
  flexibleVersions: '6+',
  request: message('JoinGroupRequest', [
    field('groupId', 'string'),
    field('sessionTimeoutMs', 'int32'),
    field('rebalanceTimeoutMs', 'int32', '1+', { default: -1 }),
    field('memberId', 'string'),
    field('groupInstanceId', 'string', '5+', { nullable: '5+', default: null }),
    field('protocolType', 'string'),
    array('protocols', '0+', [
      field('name', 'string'),
      field('metadata', 'bytes'),
    ]),
  ]),
  response: message('JoinGroupResponse', [
    field('throttleTimeMs', 'int32', '2+'),
    field('errorCode', 'int16'),
    field('generationId', 'int32', '0+', { default: -1 }),
    field('protocolName', 'string'),
    field('leader', 'string'),
    field('memberId', 'string'),
    array('members', '0+', [
      field('memberId', 'string'),
      field('groupInstanceId', 'string', '5+', { nullable: '5+', default: null }),
      field('metadata', 'bytes'),
    ]),
  ]),
  toJosefRequest: (decoded, version): JoinGroupRequest => ({
    ...(decoded as unknown as JoinGroupRequest),
    rebalanceTimeoutMs: version === 0 ? (decoded.sessionTimeoutMs as number) : (decoded.rebalanceTimeoutMs as number),
    requireKnownMemberId: version >= 4,
  }),
  toKafkaResponse: (response: JoinGroupResponse): Struct => ({ ...response, protocolName: response.protocolName ?? '' }),
  // Kafka's getErrorResponse: no generation, no protocol, no leader and no member id.
  errorResponse: (_request, errorCode) => ({ errorCode, generationId: -1, protocolName: '', leader: '', memberId: '', members: [] }),
});
