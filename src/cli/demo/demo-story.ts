/**
 * What the demos' stories share (failover in demo.ts, scale-out in demo-scale-out.ts): how long a
 * step may take, how the load ends before the verdict, and the option for plain output.
 */
import type { AckedWriter, ValueReader } from '../../harness/delivery-check';

/** Time for one step of a story to happen: a broker starting, an election, metadata, the consumer catching up. */
export const storyStepTimeoutMs = 60_000;

/** The `--plain` option both demos take. */
export const plainOption = ['--plain', 'timestamped lines instead of a view redrawn in place (also when stdout is not a terminal)'] as const;

/**
 * The end of the load: `records` more acknowledged, the producer stopped (said in a line of the
 * story), then the consumer reads on to the high watermarks; returns every value it read.
 */
export async function stopLoadAndReadBack(writer: AckedWriter, reader: ValueReader, records: number, say: (text: string) => void): Promise<string[]> {
  await writer.acknowledgedMore(records, storyStepTimeoutMs);
  await writer.stop();
  say(`producer stopped: ${writer.sent} sent, ${writer.acknowledged.length} acknowledged, ${writer.failures.length} failed; the consumer reads on to the high watermarks`);
  return reader.finish(storyStepTimeoutMs);
}
