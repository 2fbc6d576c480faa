/**
 * The authorizer's broker settings as values (authorizer.class.name and super.users) and the
 * principal syntax they share with ACLs, here so that the broker's config parses them without
 * reaching into security/; security's ACL model and the acl command use the same check.
 */

/** Kafka's class names for its ZooKeeper authorizer (2.4+ and before); either turns Josef's on. */
export const ACL_AUTHORIZER_CLASS_NAMES = ['kafka.security.authorizer.AclAuthorizer', 'kafka.security.auth.SimpleAclAuthorizer'];

/** `User:alice` and the like: Kafka's principals are a type, a colon and a name. */
export function checkPrincipal(principal: string): string {
  if (!/^[A-Za-z]+:.+$/.test(principal)) throw new Error(`principal ${principal}: expected TYPE:NAME, e.g. User:alice`);
  return principal;
}

/** `super.users`: principals separated by semicolons, as Kafka reads the setting. */
export function parseSuperUsers(value: string): Set<string> {
  return new Set(value.split(';').map((p) => p.trim()).filter((p) => p !== '').map(checkPrincipal));
}
