/**
 * DescribeGroups (key 15), versions 0-4. From version 3 a client may ask for each group's
 * authorized operations; Josef has no authorizer, so, like Kafka without one, it answers every
 * operation a group has (READ, DELETE, DESCRIBE), and Kafka's "not asked" value otherwise.
 * Version 4 gives each member's group.instance.id: null, as only dynamic members are served.
 */
import { ErrorCode } from '../../../common/errors';
import { ApiKey } from '../../api-keys';
import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../../messages';
import { kafkaApi } from '../api';
import type { Struct } from '../codec';
import { array, arrayOf, field, message } from '../schema';

/** Kafka's AclOperation codes of what can be done to a group. */
const aclOperation = { read: 3, delete: 6, describe: 8 } as const;
/** Every group operation as Kafka's 32-bit field (Utils.to32BitField): what Kafka answers without an authorizer. */
export const GROUP_OPERATIONS_ALL = (1 << aclOperation.read) | (1 << aclOperation.delete) | (1 << aclOperation.describe);
/** Kafka's value for authorized operations nobody asked for (Integer.MIN_VALUE). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

export const describeGroupsApi = kafkaApi({
  apiKey: ApiKey.DescribeGroups,
  versions: '0-4',
  flexibleVersions: '5+',
  request: message('DescribeGroupsRequest', [
    arrayOf('groups', 'string'),
    field('includeAuthorizedOperations', 'bool', '3+'),
  ]),
  response: message('DescribeGroupsResponse', [
    field('throttleTimeMs', 'int32', '1+'),
    array('groups', '0+', [
      field('errorCode', 'int16'),
      field('groupId', 'string'),
      field('groupState', 'string'),
      field('protocolType', 'string'),
      field('protocolData', 'string'),
      array('members', '0+', [
        field('memberId', 'string'),
        field('groupInstanceId', 'string', '4+', { nullable: '4+', default: null }),
        field('clientId', 'string'),
        field('clientHost', 'string'),
        field('memberMetadata', 'bytes'),
        field('memberAssignment', 'bytes'),
      ]),
      field('authorizedOperations', 'int32', '3+', { default: AUTHORIZED_OPERATIONS_OMITTED }),
    ]),
  ]),
  // Kafka fills in the operations only when asked, and only for a group it could describe.
  toKafkaResponse: (response: DescribeGroupsResponse, _version, request: DescribeGroupsRequest): Struct => ({
    groups: response.groups.map((g) => ({
      ...g,
      authorizedOperations: request.includeAuthorizedOperations === true && g.errorCode === ErrorCode.NONE.code ? GROUP_OPERATIONS_ALL : AUTHORIZED_OPERATIONS_OMITTED,
    })),
  }),
  // Kafka's getErrorResponse: each group with the error and empty state, protocol and members.
  errorResponse: (request, errorCode) => ({
    groups: (request.groups ?? []).map((groupId) => ({ errorCode, groupId, groupState: '', protocolType: '', protocolData: '', members: [] })),
  }),
});
