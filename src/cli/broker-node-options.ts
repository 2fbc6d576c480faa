/**
 * The Node.js options a broker process is started with: Josef's KAFKA_HEAP_OPTS. Whatever starts
 * brokers (`josef cluster up`, the demos, benchmarks, tests) puts them before the script, and the
 * Dockerfile does the same; JOSEF_HEAP_OPTS replaces them ("" for none).
 *
 * Why the default: a broker under load allocates little that lives, but a lot that does not (a
 * Buffer per socket read, request and response objects), and V8 starts a heap this small with an
 * old-generation limit so low that it marks the whole heap several times a second. Measured with
 * `--trace-gc` on each broker of `npm run bench -- produce --brokers 3 --replication-factor 3
 * --acks all` (2 million records): 33 full (mark-compact) collections without it, 3 with 64 MB
 * (2 with 128 MB), and a fifth less broker CPU. The limit only delays the first full collections:
 * memory is taken as it is used, not reserved (Kafka's -Xms, by contrast, commits its heap).
 */
export const BROKER_HEAP_OPTS_DEFAULT = '--initial-old-space-size=64';

export function brokerNodeOptions(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.JOSEF_HEAP_OPTS ?? BROKER_HEAP_OPTS_DEFAULT).split(/\s+/).filter((word) => word !== '');
}
