/**
 * SCRAM users in ZooKeeper, written as Kafka's `kafka-configs --zookeeper --entity-type users
 * --alter --add-config 'SCRAM-SHA-256=[password=...]'` writes them: the credential strings in
 * /config/users/<user> with a change notification, so that every running broker can check the
 * new password at once. Other keys of a user's config are left as they are.
 */
import { changeEntityConfig, desanitizeEntityName, readEntityConfig } from '../coordination/entity-config';
import { ZkPaths } from '../coordination/paths';
import type { ZkClient } from '../coordination/zk-client';
import { ZkNoNodeError } from '../coordination/zk-errors';
import { isScramMechanism, type ScramMechanism } from '../common/scram';
import { formatScramCredential, newScramCredential } from './scram-credentials';

/** Sets the user's credential for each mechanism (a new salt each time); creates the user if need be. */
export async function addScramUser(zk: ZkClient, user: string, password: string, mechanisms: readonly ScramMechanism[], iterations?: number): Promise<void> {
  if (user === '') throw new Error('a user needs a name');
  if (password === '') throw new Error(`user ${user} needs a password`);
  const set = Object.fromEntries(mechanisms.map((m) => [m, formatScramCredential(newScramCredential(m, password, iterations))]));
  await changeEntityConfig(zk, { type: 'users', name: user }, set);
}

/** Removes the user's credentials for `mechanisms`; throws if it had none of them. */
export async function deleteScramUser(zk: ZkClient, user: string, mechanisms: readonly ScramMechanism[]): Promise<void> {
  const entity = { type: 'users' as const, name: user };
  const had = Object.keys(await readEntityConfig(zk, entity)).filter((key) => mechanisms.includes(key as ScramMechanism));
  if (had.length === 0) throw new Error(`user ${user} has no ${mechanisms.join(' or ')} credential`);
  await changeEntityConfig(zk, entity, {}, had);
}

/** Every user with a SCRAM credential, and its mechanisms, by name. */
export async function listScramUsers(zk: ZkClient): Promise<{ user: string; mechanisms: ScramMechanism[] }[]> {
  const sanitized = await zk.getChildren(ZkPaths.configUsers).catch((err: unknown) => {
    if (err instanceof ZkNoNodeError) return [] as string[];
    throw err;
  });
  const users = [];
  for (const name of sanitized.map(desanitizeEntityName).sort()) {
    const mechanisms = Object.keys(await readEntityConfig(zk, { type: 'users', name })).filter(isScramMechanism).sort();
    if (mechanisms.length > 0) users.push({ user: name, mechanisms });
  }
  return users;
}
