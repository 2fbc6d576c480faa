/**
 * `josef consume TOPIC`: prints records as lines (Kafka's kafka-console-consumer): values, or
 * `key<TAB>value` with --print-key. Reads every partition of the topic from its end (or its
 * beginning with --from-beginning), or one partition from an offset; with --group, as a member
 * of that consumer group (its committed offsets first, auto-committed as it goes). Stops after
 * --max-messages, after --timeout-ms without a record, or on Ctrl-C, and then says how many it
 * printed, as Kafka's tool does.
 */
import type { Command } from 'commander';
import { once } from 'events';
import { Consumer } from '../client/consumer';
import type { ConsumerRecord, TopicPartition } from '../client/records';
import { addBootstrapOption, cliClientOptions, parseInteger, type BootstrapOptions } from './client-cli';

interface ConsumeOptions extends BootstrapOptions {
  fromBeginning: boolean;
  partition?: string;
  offset?: string;
  maxMessages?: string;
  printKey: boolean;
  timeoutMs?: string;
  group?: string;
}

/** How long one poll waits; also how often Ctrl-C and --timeout-ms are noticed. */
const pollTimeoutMs = 200;

/** Kafka's console consumer format: the value, preceded by the key and a tab when asked. Null prints as `null`. */
export function formatRecord(record: ConsumerRecord, printKey: boolean): string {
  const value = record.value === null ? 'null' : record.value.toString('utf8');
  if (!printKey) return `${value}\n`;
  return `${record.key === null ? 'null' : record.key.toString('utf8')}\t${value}\n`;
}

/** Where to start: Kafka's --offset takes a number, `earliest` or `latest`. */
export type StartOffset = number | 'earliest' | 'latest';

export function parseStartOffset(value: string | undefined, fromBeginning: boolean): StartOffset {
  if (value === undefined) return fromBeginning ? 'earliest' : 'latest';
  if (value === 'earliest' || value === 'latest') return value;
  return parseInteger('--offset', value, 0);
}

async function position(consumer: Consumer, partitions: TopicPartition[], start: StartOffset): Promise<void> {
  if (start === 'earliest') consumer.seekToBeginning(partitions);
  else if (start === 'latest') consumer.seekToEnd(partitions);
  else for (const tp of partitions) consumer.seek(tp, start);
  // Look the positions up now, so that records produced from here on are not missed.
  for (const tp of partitions) await consumer.position(tp);
}

async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
}

async function assignAndPosition(consumer: Consumer, topic: string, options: ConsumeOptions, start: StartOffset): Promise<void> {
  const partitions =
    options.partition === undefined
      ? await consumer.partitionsFor(topic)
      : [{ topic, partition: parseInteger('--partition', options.partition, 0) }];
  consumer.assign(partitions);
  await position(consumer, partitions, start);
}

async function consume(topic: string, options: ConsumeOptions): Promise<void> {
  if (options.offset !== undefined && options.partition === undefined) throw new Error('--offset needs --partition');
  const maxMessages = options.maxMessages === undefined ? Infinity : parseInteger('--max-messages', options.maxMessages, 1);
  const idleTimeoutMs = options.timeoutMs === undefined ? Infinity : parseInteger('--timeout-ms', options.timeoutMs, 1);
  const start = parseStartOffset(options.offset, options.fromBeginning);
  if (options.group !== undefined && options.partition !== undefined) throw new Error('--group reads the partitions the group assigns: no --partition');
  const consumer = new Consumer(options.group === undefined ? cliClientOptions(options, 'consume')
    : { ...cliClientOptions(options, 'consume'), groupId: options.group, autoOffsetReset: options.fromBeginning ? 'earliest' : 'latest' });
  let stopped = false;
  const stop = (): void => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let count = 0;
  try {
    if (options.group !== undefined) consumer.subscribe([topic]);
    else await assignAndPosition(consumer, topic, options, start);
    let lastRecordMs = Date.now();
    while (!stopped && count < maxMessages && Date.now() - lastRecordMs < idleTimeoutMs) {
      const records = await consumer.poll(pollTimeoutMs);
      // In a group, --timeout-ms counts from joining: the join itself may take the initial rebalance delay.
      const joining = (consumer.groupMetadata()?.generationId ?? 0) < 0;
      if (records.length > 0 || joining) lastRecordMs = Date.now();
      let text = '';
      for (const record of records) {
        if (count >= maxMessages) break;
        text += formatRecord(record, options.printKey);
        count++;
      }
      if (text !== '') await write(text);
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await consumer.close();
    process.stderr.write(`Processed a total of ${count} messages\n`);
  }
}

export function registerConsumeCommand(program: Command): void {
  addBootstrapOption(
    program
      .command('consume <topic>')
      .description('print records of a topic (kafka-console-consumer)')
      .option('--from-beginning', 'start at the first offset instead of the end', false)
      .option('--partition <p>', 'read only this partition')
      .option('--offset <offset>', 'with --partition: a number, earliest or latest')
      .option('--max-messages <n>', 'stop after this many records')
      .option('--print-key', 'print key<TAB>value', false)
      .option('--timeout-ms <ms>', 'stop after this long without a record')
      .option('--group <group>', 'read as a member of this consumer group (committed offsets, auto-commit)'),
  ).action((topic: string, options: ConsumeOptions) => consume(topic, options));
}
