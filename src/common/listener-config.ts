/**
 * Kafka's listener settings read together (KafkaConfig's listeners, advertised.listeners,
 * listener.security.protocol.map, inter.broker.listener.name and security.inter.broker.protocol):
 * which sockets a broker opens, what it tells ZooKeeper and clients for each, and which one brokers
 * use between them. Each value is parsed alone by config.ts's table; this checks them against each other.
 */
import * as os from 'os';
import { ConfigError } from './config-error';
import {
  PLAINTEXT_LISTENER_NAME, connectionString, normaliseListenerName, parseConnectionString, securityProtocolNamed,
  type ListenerAddress, type ListenerEndpoint, type SecurityProtocolName,
} from './endpoint';

/** Kafka's default listener.security.protocol.map: every security protocol as a listener name of its own. */
export const LISTENER_SECURITY_PROTOCOL_MAP_DEFAULT = 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL';

/** Whether a listener of this protocol authenticates its clients with SASL. */
export function usesSasl(protocol: SecurityProtocolName): boolean {
  return protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
}

/** Whether a listener of this protocol speaks TLS. */
export function usesTls(protocol: SecurityProtocolName): boolean {
  return protocol === 'SSL' || protocol === 'SASL_SSL';
}

/** Hosts that bind every interface but that no client can connect to. */
const nonRoutableHosts: ReadonlySet<string> = new Set(['0.0.0.0', '::']);

/** The value of `listeners` or `advertised.listeners`: names unique, and for `listeners` ports too (0 aside), as Kafka checks. */
export function parseListenerList(raw: string, options: { distinctPorts: boolean }): ListenerAddress[] {
  const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new Error('expected one or more NAME://host:port separated by commas');
  const listeners = items.map(parseConnectionString);
  const names = new Set<string>();
  const ports = new Map<number, ListenerAddress>();
  for (const listener of listeners) {
    if (names.has(listener.listenerName)) throw new Error(`the listener name ${listener.listenerName} appears twice: each listener must have a name of its own`);
    names.add(listener.listenerName);
    const samePort = ports.get(listener.port);
    if (options.distinctPorts && samePort) {
      throw new Error(`${connectionString(samePort)} and ${connectionString(listener)} share port ${listener.port}: each listener must have a port of its own`);
    }
    if (listener.port !== 0) ports.set(listener.port, listener);
  }
  return listeners;
}

/** The value of `listener.security.protocol.map`: `NAME:PROTOCOL,...`, names normalised, each mapped once. */
export function parseSecurityProtocolMap(raw: string): Record<string, SecurityProtocolName> {
  const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new Error('expected one or more NAME:PROTOCOL separated by commas');
  const map: Record<string, SecurityProtocolName> = {};
  for (const item of items) {
    const colon = item.indexOf(':');
    if (colon <= 0) throw new Error(`expected NAME:PROTOCOL, got "${item}"`);
    const name = normaliseListenerName(item.slice(0, colon));
    if (Object.hasOwn(map, name)) throw new Error(`the listener ${name} is mapped twice`);
    map[name] = securityProtocolNamed(item.slice(colon + 1));
  }
  return map;
}

/** A setting's value as found: what it parsed to, its text, and where it came from. */
export interface Found<T> {
  value: T;
  text: string;
  origin: string;
}

export interface ListenerSources {
  brokerId: number;
  listeners?: Found<ListenerAddress[]>;
  advertisedListeners?: Found<ListenerAddress[]>;
  listenerSecurityProtocolMap: Found<Record<string, SecurityProtocolName>>;
  interBrokerListenerName?: Found<string>;
  securityInterBrokerProtocol?: Found<SecurityProtocolName>;
  /** The command line's --port (Kafka's old `port` setting): the port of the one listener. */
  portFlag?: string;
}

export interface ListenerSettings {
  /** Where the broker accepts connections: one socket server each. An empty host binds every interface (0.0.0.0). */
  listeners: ListenerEndpoint[];
  /** What /brokers/ids/<id> and Metadata tell others for each listener (a port 0 becomes the port bound). */
  advertisedListeners: ListenerEndpoint[];
  listenerSecurityProtocolMap: Record<string, SecurityProtocolName>;
  /** The listener brokers reach each other on: replica fetchers, the controller, controlled shutdown. */
  interBrokerListenerName: string;
  /** The security protocol of the inter-broker listener. */
  securityInterBrokerProtocol: SecurityProtocolName;
}

const describe = (key: string, found: Found<unknown>): string => `${key}=${found.text} (from ${found.origin})`;

/** Every listener setting, defaulted and checked against the others as Kafka checks them. Throws ConfigError. */
export function deriveListenerSettings(sources: ListenerSources): ListenerSettings {
  const listeners = listenersWithPortFlag(sources);
  const protocolOf = securityProtocolLookup(sources);
  const listenerEndpoints = listeners.map((l) => ({ ...l, host: l.host === '' ? '0.0.0.0' : l.host, securityProtocol: protocolOf(l.listenerName) }));
  const advertisedListeners = advertise(listeners, sources).map((l) => ({ ...l, securityProtocol: protocolOf(l.listenerName) }));
  const interBrokerListenerName = interBrokerListener(advertisedListeners, sources);
  return {
    listeners: listenerEndpoints,
    advertisedListeners,
    listenerSecurityProtocolMap: sources.listenerSecurityProtocolMap.value,
    interBrokerListenerName,
    securityInterBrokerProtocol: protocolOf(interBrokerListenerName),
  };
}

/**
 * listeners, or PLAINTEXT://127.0.0.1:(9092 + broker.id - 1) so that a local cluster needs no
 * settings; --port (Kafka's old `port` setting) sets the port of the only listener.
 */
function listenersWithPortFlag(sources: ListenerSources): ListenerAddress[] {
  const port = sources.portFlag === undefined ? undefined : parsePortFlag(sources.portFlag);
  if (sources.listeners === undefined) {
    const defaultPort = 9092 + sources.brokerId - 1;
    if (port === undefined && defaultPort > 65535) {
      throw new ConfigError(`broker.id ${sources.brokerId} gives no default port (9092 + id - 1 > 65535): set listeners or --port`);
    }
    return [{ listenerName: PLAINTEXT_LISTENER_NAME, host: '127.0.0.1', port: port ?? defaultPort }];
  }
  const listeners = sources.listeners.value;
  if (port === undefined) return listeners;
  if (listeners.length !== 1) {
    throw new ConfigError(`--port ${port} sets the port of a broker's only listener, but ${describe('listeners', sources.listeners)} ` +
      `has ${listeners.length}: give each listener its port in listeners instead`);
  }
  return [{ ...listeners[0], port }];
}

function parsePortFlag(text: string): number {
  const port = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || port > 65535) throw new ConfigError(`invalid value for --port: expected a port from 0 to 65535, got "${text}"`);
  return port;
}

/** Every listener needs a security protocol in the map (Kafka's rule). */
function securityProtocolLookup(sources: ListenerSources): (listenerName: string) => SecurityProtocolName {
  const found = sources.listenerSecurityProtocolMap;
  return (listenerName) => {
    const protocol = found.value[listenerName];
    if (protocol === undefined) {
      throw new ConfigError(`the listener ${listenerName} has no security protocol in ${describe('listener.security.protocol.map', found)}: ` +
        `add ${listenerName}:PLAINTEXT to it`);
    }
    return protocol;
  };
}

/**
 * advertised.listeners, or the listeners themselves (Kafka's default). Each advertised name must be
 * a listener's; an advertised 0.0.0.0 is refused (Kafka's rule), while a derived one, like an empty
 * host, becomes this machine's host name, as Josef did before it had several listeners.
 */
function advertise(listeners: ListenerAddress[], sources: ListenerSources): ListenerAddress[] {
  const explicit = sources.advertisedListeners;
  if (explicit === undefined) return listeners.map((l) => (l.host === '' || nonRoutableHosts.has(l.host) ? { ...l, host: os.hostname() } : l));
  const names = new Set(listeners.map((l) => l.listenerName));
  for (const advertised of explicit.value) {
    if (!names.has(advertised.listenerName)) {
      throw new ConfigError(`${describe('advertised.listeners', explicit)} names the listener ${advertised.listenerName}, which listeners ` +
        `(${listeners.map(connectionString).join(',')}) does not have: every advertised listener must be one of listeners`);
    }
    if (nonRoutableHosts.has(advertised.host)) {
      throw new ConfigError(`${describe('advertised.listeners', explicit)} cannot use the non-routable address ${advertised.host}: name a host clients can reach`);
    }
  }
  return explicit.value.map((l) => (l.host === '' ? { ...l, host: os.hostname() } : l));
}

/**
 * Kafka's getInterBrokerListenerNameAndSecurityProtocol: inter.broker.listener.name, or else the
 * listener named after security.inter.broker.protocol (PLAINTEXT); never both set. It must be advertised.
 */
function interBrokerListener(advertised: ListenerAddress[], sources: ListenerSources): string {
  const { interBrokerListenerName: named, securityInterBrokerProtocol: protocol } = sources;
  if (named && protocol) {
    throw new ConfigError(`set only one of ${describe('inter.broker.listener.name', named)} and ${describe('security.inter.broker.protocol', protocol)}, as Kafka requires`);
  }
  const name = named?.value ?? protocol?.value ?? PLAINTEXT_LISTENER_NAME;
  const advertisedNames = advertised.map((l) => l.listenerName).join(', ');
  if (advertised.some((l) => l.listenerName === name)) return name;
  if (named) throw new ConfigError(`${describe('inter.broker.listener.name', named)} must be one of the advertised listeners: ${advertisedNames}`);
  const protocolSetting = protocol ? describe('security.inter.broker.protocol', protocol) : `security.inter.broker.protocol (${name} by default)`;
  throw new ConfigError(`inter.broker.listener.name is not set, so brokers would reach each other on the listener named after ${protocolSetting}, as in Kafka; ` +
    `the advertised listeners are ${advertisedNames}: set inter.broker.listener.name to one of them`);
}
