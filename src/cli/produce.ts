/**
 * `josef produce TOPIC`: each line of stdin becomes one record (Kafka's kafka-console-producer),
 * with `--key-separator` splitting `key<sep>value`. Lines are read as fast as the producer's
 * buffer takes them; at end of input everything is flushed, and any failed record makes the
 * command fail after the others were sent.
 */
import type { Command } from 'commander';
import * as readline from 'readline';
import { Producer, type Acks } from '../client/producer';
import type { ProducerRecord } from '../client/records';
import { addBootstrapOption, cliClientOptions, type BootstrapOptions } from './client-cli';

interface ProduceOptions extends BootstrapOptions {
  keySeparator?: string;
  acks: string;
}

export function parseAcks(value: string): Acks {
  if (value === 'all' || value === '-1') return 'all';
  if (value === '0' || value === '1') return Number(value) as 0 | 1;
  throw new Error(`--acks wants all, 1 or 0, got "${value}"`);
}

/** The record for one input line; with a separator the line must contain it (Kafka's parse.key). */
export function recordFromLine(topic: string, line: string, lineNumber: number, keySeparator: string | undefined): ProducerRecord {
  if (keySeparator === undefined) return { topic, value: line };
  const at = line.indexOf(keySeparator);
  if (at < 0) throw new Error(`no key separator "${keySeparator}" on line ${lineNumber}: ${JSON.stringify(line.slice(0, 80))}`);
  return { topic, key: line.slice(0, at), value: line.slice(at + keySeparator.length) };
}

async function produce(topic: string, options: ProduceOptions): Promise<void> {
  if (options.keySeparator === '') throw new Error('--key-separator must not be empty');
  const producer = new Producer({ ...cliClientOptions(options, 'produce'), acks: parseAcks(options.acks) });
  let failures = 0;
  let firstFailure = '';
  let lineNumber = 0;
  const onFailure = (err: Error): void => {
    if (failures++ === 0) firstFailure = err.message;
  };
  try {
    const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of lines) {
      lineNumber++;
      producer.send(recordFromLine(topic, line, lineNumber, options.keySeparator)).catch(onFailure);
      await producer.waitForRoom();
    }
    await producer.flush();
  } finally {
    await producer.close();
  }
  if (failures > 0) throw new Error(`${failures} of ${lineNumber} record(s) could not be sent to ${topic}; the first: ${firstFailure}`);
}

export function registerProduceCommand(program: Command): void {
  addBootstrapOption(
    program
      .command('produce <topic>')
      .description('send each line of stdin as a record (kafka-console-producer)')
      .option('--key-separator <sep>', 'split each line into key<sep>value')
      .option('--acks <acks>', 'all, 1 or 0', '1'),
  ).action((topic: string, options: ProduceOptions) => produce(topic, options));
}
