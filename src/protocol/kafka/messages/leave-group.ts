/**
 * LeaveGroup (key 13), versions 0-3. Versions 0-2 name one member and answer with one error code;
 * version 3 (KIP-345) names several, each answered on its own. Josef's handler takes the batch,
 * so an older request is a batch of one, and its answer is the group's error or else that
 * member's, as Kafka's LeaveGroupResponse folds them for those versions.
 */
import { ErrorCode } from '../../../common/errors';
import { ApiKey } from '../../api-keys';
import type { LeaveGroupRequest, LeaveGroupResponse, LeavingMember } from '../../messages';
import { kafkaApi } from '../api';
import type { Struct } from '../codec';
import { array, field, message } from '../schema';

export const leaveGroupApi = kafkaApi({
  apiKey: ApiKey.LeaveGroup,
  versions: '0-3',
  flexibleVersions: '4+',
  request: message('LeaveGroupRequest', [
    field('groupId', 'string'),
    field('memberId', 'string', '0-2'),
    array('members', '3+', [
      field('memberId', 'string'),
      field('groupInstanceId', 'string', '3+', { nullable: '3+', default: null }),
    ]),
  ]),
  response: message('LeaveGroupResponse', [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16'),
    array('members', '3+', [
      field('memberId', 'string'),
      field('groupInstanceId', 'string', '3+', { nullable: '3', default: null }),
      field('errorCode', 'int16'),
    ]),
  ]),
  toJosefRequest: (decoded, version): LeaveGroupRequest => ({
    groupId: decoded.groupId as string,
    members: version >= 3 ? (decoded.members as LeavingMember[]) : [{ memberId: decoded.memberId as string, groupInstanceId: null }],
  }),
  toKafkaResponse: (response: LeaveGroupResponse, version): Struct => {
    if (version >= 3 || response.errorCode !== ErrorCode.NONE.code) return response as unknown as Struct;
    const memberError = response.members.find((m) => m.errorCode !== ErrorCode.NONE.code);
    return { ...response, errorCode: memberError?.errorCode ?? ErrorCode.NONE.code };
  },
  errorResponse: (_request, errorCode) => ({ errorCode, members: [] }),
});
