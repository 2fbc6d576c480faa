/**
 * What the client commands (topic, produce, consume, group) share: the `--bootstrap-server` and
 * `--command-config` options with Kafka's tools' names, a quiet logger for the clients they
 * build, and parsers for numeric flags.
 */
import type { Command } from 'commander';
import { BOOTSTRAP_SERVERS_DEFAULT, parseBootstrapServers, type ClientOptions } from '../client/client-options';
import { readClientProperties } from '../client/client-properties';
import { createLogger } from '../common/logger';

export interface BootstrapOptions {
  bootstrapServer?: string;
  commandConfig?: string;
}

export function addBootstrapOption(command: Command): Command {
  return command
    .option('--bootstrap-server <host:port>', `a broker to start from (comma-separated for several; default: the config's bootstrap.servers, else ${BOOTSTRAP_SERVERS_DEFAULT})`)
    .option('--command-config <file>', 'client properties in librdkafka\'s names (security.protocol, sasl.mechanisms, sasl.username, sasl.password, ssl.ca.location, ...), as kcat -F reads them');
}

/**
 * Client options for a CLI command: the security and bootstrap list of --command-config, a
 * --bootstrap-server over the file's, client id naming the tool, warnings to stderr. A bad
 * address or file is a usage error, said before connecting.
 */
export function cliClientOptions(options: BootstrapOptions, tool: string): ClientOptions {
  const logger = createLogger(tool);
  const properties = options.commandConfig === undefined ? undefined : readClientProperties(options.commandConfig);
  if (properties !== undefined && properties.ignored.length > 0) logger.warn(`${options.commandConfig}: ignoring ${properties.ignored.join(', ')}`);
  const bootstrapServers = options.bootstrapServer ?? properties?.bootstrapServers ?? BOOTSTRAP_SERVERS_DEFAULT;
  parseBootstrapServers(bootstrapServers);
  return { bootstrapServers, clientId: `josef-${tool}`, security: properties?.security, logger };
}

/** Parses a whole number flag (`--partitions 3`); `min` is the smallest allowed. */
export function parseInteger(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${flag} wants a whole number of at least ${min}, got "${value}"`);
  return n;
}

/** Collects a repeatable option into a list. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
