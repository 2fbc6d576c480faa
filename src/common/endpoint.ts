/**
 * A broker's endpoint as Kafka names it (kafka.cluster.EndPoint): a listener name, the security
 * protocol that listener speaks, and host:port, written `NAME://host:port`. Config, the broker
 * znode and the cluster metadata all read and write endpoints through this one place.
 */

/** Kafka's security protocols with the ids its control requests carry them by (SecurityProtocol.java). */
export const SecurityProtocol = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 } as const;

export type SecurityProtocolName = keyof typeof SecurityProtocol;

export interface ListenerEndpoint {
  /** Upper case, as Kafka normalises listener names (ListenerName.normalised). */
  listenerName: string;
  securityProtocol: SecurityProtocolName;
  host: string;
  /** 0 asks the OS for a free port (tests); the broker advertises the port it bound. */
  port: number;
}

/** The listener a broker has when nothing names one, and the one Kafka names after PLAINTEXT. */
export const PLAINTEXT_LISTENER_NAME = 'PLAINTEXT';

/** The endpoint of a listener named PLAINTEXT (the default, and the only kind a local cluster has). */
export function plaintextEndpoint(host: string, port: number): ListenerEndpoint {
  return { listenerName: PLAINTEXT_LISTENER_NAME, securityProtocol: 'PLAINTEXT', host, port };
}

/** Kafka's security protocol of that name (any case); throws for a name Kafka does not have. */
export function securityProtocolNamed(name: string): SecurityProtocolName {
  const upper = name.trim().toUpperCase();
  if (!Object.hasOwn(SecurityProtocol, upper)) {
    throw new Error(`"${name}" is not a security protocol: Kafka's are ${Object.keys(SecurityProtocol).join(', ')}`);
  }
  return upper as SecurityProtocolName;
}

/** A listener name as Kafka keeps it: trimmed, upper case; letters, digits, `_` and `-` only. */
export function normaliseListenerName(name: string): string {
  const upper = name.trim().toUpperCase();
  if (!/^[A-Z0-9_-]+$/.test(upper)) throw new Error(`"${name}" is not a listener name (letters, digits, _ and - only)`);
  return upper;
}

/** `NAME://host:port` without its security protocol, which a separate map gives. */
export type ListenerAddress = Omit<ListenerEndpoint, 'securityProtocol'>;

/**
 * Parses Kafka's `NAME://host:port`. The name is normalised; an IPv6 host is written in brackets
 * and kept without them; the host may be empty (Kafka: every interface).
 */
export function parseConnectionString(text: string): ListenerAddress {
  const match = /^([^:/\s]+):\/\/(?:\[([^\]\s/]*)\]|([^:/\s[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (!match) throw new Error(`expected NAME://host:port, got "${text}"`);
  const port = Number(match[4]);
  if (port > 65535) throw new Error(`port ${port} in "${text}" is above 65535`);
  return { listenerName: normaliseListenerName(match[1]), host: match[2] ?? match[3], port };
}

/** `host:port`, an IPv6 host in brackets (Kafka's Utils.formatAddress). */
export function hostPort(endpoint: { host: string; port: number }): string {
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}

/** Kafka's EndPoint.connectionString: `NAME://host:port`. */
export function connectionString(endpoint: ListenerAddress): string {
  return `${endpoint.listenerName}://${hostPort(endpoint)}`;
}

/**
 * How a person reads a broker's addresses: `host:port` for the usual single PLAINTEXT listener
 * (what --bootstrap-server takes), every `NAME://host:port` otherwise.
 */
export function formatAddresses(endpoints: readonly ListenerAddress[]): string {
  if (endpoints.length === 1 && endpoints[0].listenerName === PLAINTEXT_LISTENER_NAME) return hostPort(endpoints[0]);
  return endpoints.map(connectionString).join(', ');
}
