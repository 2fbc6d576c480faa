/**
 * The Node.js options a broker process is started with: Josef's KAFKA_HEAP_OPTS. Whatever starts
 * brokers (`josef cluster up`, the demos, benchmarks, tests) puts them before the script, and the
 * Dockerfile does the same; JOSEF_HEAP_OPTS replaces them ("" for none).
 *
 * Why the default:
 * - `--initial-old-space-size=64`: a broker under load allocates little that lives, but a lot
 *   that does not (a Buffer per socket read, request and response objects), and V8 starts a heap
 *   this small with an old-generation limit so low that it marks the whole heap several times a
 *   second. Measured with `--trace-gc` on each broker of `npm run bench -- produce --brokers 3
 *   --replication-factor 3 --acks all` (2 million records): 33 full (mark-compact) collections
 *   without it, 3 with 64 MB (2 with 128 MB), and a fifth less broker CPU.
 * - `--max-semi-space-size=32` (V8's default is 16 on this machine): a larger young generation
 *   lets the requests in flight (an acks=all Produce waits for its followers) die young instead
 *   of being copied into the old generation; the same benchmark, six rounds of fresh clusters
 *   alternating with and without it: faster in five, +14% on average.
 * Both only delay collections: memory is taken as it is used, not reserved (Kafka's -Xms, by
 * contrast, commits its heap). The largest broker's peak RSS stays 139-161 MB in
 * `npm run bench -- compare` (100-byte records with RF 3; 10 GiB of 16 KiB records).
 * With a 32 MB young generation V8 still starts some full collections early (13 in a 6-million-
 * record acks=all run); `--initial-old-space-size=80` removes most of them but took the 10 GiB
 * run to 181 MB RSS instead of 159 MB, too near issue 8's 200 MB for no gain above the noise.
 */
export const BROKER_HEAP_OPTS_DEFAULT = '--initial-old-space-size=64 --max-semi-space-size=32';

export function brokerNodeOptions(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.JOSEF_HEAP_OPTS ?? BROKER_HEAP_OPTS_DEFAULT).split(/\s+/).filter((word) => word !== '');
}
