/**
 * What the client commands (topic, produce, consume) share: the `--bootstrap-server` option with
 * Kafka's tools' name, a quiet logger for the clients they build, and parsers for numeric flags.
 */
import type { Command } from 'commander';
import { BOOTSTRAP_SERVERS_DEFAULT, parseBootstrapServers, type ClientOptions } from '../client/client-options';
import { createLogger } from '../common/logger';

export interface BootstrapOptions {
  bootstrapServer: string;
}

export function addBootstrapOption(command: Command): Command {
  return command.option('--bootstrap-server <host:port>', 'a broker to start from (comma-separated for several)', BOOTSTRAP_SERVERS_DEFAULT);
}

/** Client options for a CLI command: checked bootstrap list, client id naming the tool, warnings to stderr. */
export function cliClientOptions(options: BootstrapOptions, tool: string): ClientOptions {
  parseBootstrapServers(options.bootstrapServer); // a bad address is a usage error, said before connecting
  return { bootstrapServers: options.bootstrapServer, clientId: `josef-${tool}`, logger: createLogger(tool) };
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
