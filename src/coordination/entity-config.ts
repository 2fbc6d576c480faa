/**
 * Dynamic config of topics and brokers in ZooKeeper, written as Kafka's AdminZkClient.changeEntityConfig
 * writes it: the entity's whole config in /config/<type>/<name> (`{"version":1,"config":{...}}`),
 * then a PERSISTENT_SEQUENTIAL /config/changes/config_change_<seq> naming the entity, which every
 * broker's DynamicConfigManager (src/server/dynamic-config.ts) watches and re-reads the entity on.
 * A write without its notification would go unnoticed until restart, so the two always go together.
 */
import { ZkPaths } from './paths';
import type { ZkClient } from './zk-client';
import { ZkNodeExistsError } from './zk-errors';
import { getDataIfExists } from './zk-reads';
import { parseTopicConfig, serializeConfigChange, serializeTopicConfig } from './znodes';

/** A topic by name, a broker by id, every broker's default (Kafka's `<default>`), or a user (SASL's user name). */
export type ConfigEntity = { type: 'topics'; name: string } | { type: 'brokers'; name: number | '<default>' } | { type: 'users'; name: string };

/**
 * Kafka's Sanitizer.sanitize for user names in znode paths: URL encoding (UTF-8) that keeps only
 * letters, digits, `.`, `-` and `_`, so that any name is one path element.
 */
export function sanitizeEntityName(name: string): string {
  return [...name].map((ch) => (/[A-Za-z0-9._-]/.test(ch) ? ch : [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''))).join('');
}

export function desanitizeEntityName(sanitized: string): string {
  return decodeURIComponent(sanitized);
}

export function entityConfigPath(entity: ConfigEntity): string {
  switch (entity.type) {
    case 'topics': return ZkPaths.topicConfig(entity.name);
    case 'brokers': return ZkPaths.brokerConfig(entity.name);
    case 'users': return ZkPaths.userConfig(sanitizeEntityName(entity.name));
  }
}

/** The notification's entity_path, e.g. `topics/orders`, `brokers/1`, `users/alice`. */
export function entityPath(entity: ConfigEntity): string {
  return `${entity.type}/${entity.type === 'users' ? sanitizeEntityName(entity.name) : entity.name}`;
}

/** Reads an entity_path back; undefined for an entity type Josef does not keep (Kafka also has clients). */
export function parseEntityPath(path: string): ConfigEntity | undefined {
  const slash = path.indexOf('/');
  const type = path.slice(0, slash);
  const name = path.slice(slash + 1);
  if (slash <= 0 || name === '') return undefined;
  if (type === 'topics') return { type, name };
  if (type === 'users') return { type, name: desanitizeEntityName(name) };
  if (type === 'brokers' && (name === '<default>' || /^\d+$/.test(name))) return { type, name: name === '<default>' ? name : Number(name) };
  return undefined;
}

/** The entity's config; empty when it has none. */
export async function readEntityConfig(zk: ZkClient, entity: ConfigEntity): Promise<Record<string, string>> {
  const path = entityConfigPath(entity);
  const node = await getDataIfExists(zk, path);
  return node ? parseTopicConfig(path, node.data) : {};
}

/** Kafka's createConfigChangeNotification. */
export async function notifyConfigChange(zk: ZkClient, entity: ConfigEntity): Promise<string> {
  return zk.create(ZkPaths.configChangePrefix, serializeConfigChange(entityPath(entity)), 'persistent_sequential', { createParents: true });
}

/**
 * Replaces the entity's whole config (Kafka's setOrCreateEntityConfigs) and notifies the brokers.
 * Callers merge first (readEntityConfig, change, write) as Kafka's tools do.
 */
export async function writeEntityConfig(zk: ZkClient, entity: ConfigEntity, config: Record<string, string>): Promise<void> {
  const path = entityConfigPath(entity);
  try {
    await zk.create(path, serializeTopicConfig(config), 'persistent', { createParents: true });
  } catch (err) {
    if (!(err instanceof ZkNodeExistsError)) throw err;
    await zk.setData(path, serializeTopicConfig(config), -1);
  }
  await notifyConfigChange(zk, entity);
}

/**
 * Sets `set` and removes `remove` in the entity's config; writes (and notifies) only when that
 * changes anything. Returns the config as it now is.
 */
export async function changeEntityConfig(zk: ZkClient, entity: ConfigEntity, set: Record<string, string>, remove: readonly string[] = []): Promise<Record<string, string>> {
  const before = await readEntityConfig(zk, entity);
  const after: Record<string, string> = { ...before, ...set };
  for (const key of remove) delete after[key];
  const same = Object.keys(after).length === Object.keys(before).length && Object.entries(after).every(([k, v]) => before[k] === v);
  if (!same) await writeEntityConfig(zk, entity, after);
  return after;
}
