/**
 * Kafka's `sasl.jaas.config` value on a broker (`listener.name.<listener>.<mechanism>.sasl.jaas.config`):
 * one JAAS login module entry, `org.apache.kafka.common.security.plain.PlainLoginModule required
 * username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";`,
 * whose `user_<name>="<password>"` options are the users PLAIN accepts (Kafka's
 * PlainServerCallbackHandler) and whose `username`/`password` are the broker's own login when it
 * connects to the inter-broker listener (PlainLoginModule or ScramLoginModule). Read here into
 * those; nothing else of JAAS is kept. In common/ because the broker's config reads it
 * (security-config.ts), and common imports nothing above it.
 */

export const PLAIN_LOGIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';
export const SCRAM_LOGIN_MODULE = 'org.apache.kafka.common.security.scram.ScramLoginModule';

/** The login module Kafka expects in a mechanism's JAAS entry. */
export function loginModuleFor(mechanism: string): string {
  return mechanism === 'PLAIN' ? PLAIN_LOGIN_MODULE : SCRAM_LOGIN_MODULE;
}

const controlFlags = new Set(['required', 'requisite', 'sufficient', 'optional']);

/** `Module flag key="value" ... ;` as Kafka's JaasConfig reads it: values quoted, `\"` and `\\` escaped. */
export function parseJaasEntry(text: string): { loginModule: string; controlFlag: string; options: Map<string, string> } {
  const match = /^\s*([\w.$]+)\s+(\w+)\s*([\s\S]*?)\s*;\s*$/.exec(text);
  if (match === null) throw new Error('expected "LoginModuleClass required key="value" ... ;" (one JAAS entry ending with ;)');
  const [, loginModule, controlFlag, rest] = match;
  if (!controlFlags.has(controlFlag.toLowerCase())) throw new Error(`"${controlFlag}" is not a JAAS control flag (required, requisite, sufficient, optional)`);
  const options = new Map<string, string>();
  const option = /\s*([\w.-]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*/y;
  let at = 0;
  while (at < rest.length) {
    option.lastIndex = at;
    const found = option.exec(rest);
    if (found === null) throw new Error(`expected key="value" at "${rest.slice(at, at + 30)}"`);
    if (options.has(found[1])) throw new Error(`the option ${found[1]} is given twice`);
    options.set(found[1], found[2].replace(/\\(.)/g, '$1'));
    at = option.lastIndex;
  }
  return { loginModule, controlFlag, options };
}

/** The users and passwords of a PlainLoginModule entry (its `user_<name>` options). */
export function plainUsersFromJaas(text: string): Map<string, string> {
  const entry = parseJaasEntry(text);
  if (entry.loginModule !== PLAIN_LOGIN_MODULE) throw new Error(`PLAIN's JAAS entry must use ${PLAIN_LOGIN_MODULE}, not ${entry.loginModule}`);
  const users = new Map<string, string>();
  for (const [key, value] of entry.options) {
    if (key.startsWith('user_') && key.length > 'user_'.length) users.set(key.slice('user_'.length), value);
  }
  if (users.size === 0) throw new Error('the JAAS entry names no users: add user_NAME="PASSWORD" for each');
  return users;
}

/** The entry's own login (its `username` and `password` options), if it has one; the module must suit `mechanism`. */
export function loginFromJaas(text: string, mechanism: string): { username: string; password: string } | undefined {
  const entry = parseJaasEntry(text);
  const expected = loginModuleFor(mechanism);
  if (entry.loginModule !== expected) throw new Error(`${mechanism}'s JAAS entry must use ${expected}, not ${entry.loginModule}`);
  const username = entry.options.get('username');
  const password = entry.options.get('password');
  return username === undefined || password === undefined ? undefined : { username, password };
}
