/*
 * rdkafka-perf: librdkafka's side of `npm run bench -- kafka-clients` (bench/kafka-clients.ts),
 * built by `npm run bench:setup` into bench-data/bin/. One producer or one consumer, driven by
 * the benchmark through stdin and stdout so that it can read the broker's CPU time exactly
 * around the timed part:
 *
 *   rdkafka-perf produce <bootstrap> <topic> <records> <record-size> <warmup-records> [prop=value ...]
 *   rdkafka-perf consume <bootstrap> <topic> <records> <warmup-topic> <warmup-records> [prop=value ...]
 *
 * Each connects and warms up, untimed (the producer sends its warm-up records until all are
 * acknowledged; the consumer reads that many of another topic), prints "ready", waits for a line
 * on stdin, then runs the timed part and prints one line of JSON:
 * {"records":N,"elapsedMs":T,"failed":F}, and waits for the end of its stdin before it destroys
 * its handle (which ends librdkafka's threads), so that the benchmark reads the CPU time of every
 * thread while it is still there. Errors go to stderr, with exit code 1.
 * Every librdkafka setting comes from the command line (prop=value), so the benchmark states them.
 *
 * produce: <records> values of <record-size> random letters, no key, as fast as librdkafka's
 * batch API takes them (rd_kafka_produce_batch, an array of records to one partition per call,
 * the partitions in turn; a full queue is waited out with rd_kafka_poll), each record's delivery
 * report counted, timed until rd_kafka_flush returns: every record acknowledged.
 * consume: the legacy (group-less) consumer, as `kcat -C` without -G, reads every partition of
 * <topic> from the beginning into one queue until <records> records have arrived, with rd_kafka_consume_batch_queue (librdkafka's batch API, what a consumer after
 * throughput uses), timed from the start of consuming. The partitions' log start offsets are
 * looked up before the clock starts, as Josef's consumer in the benchmark has its positions before
 * its clock starts; librdkafka looking them up itself (RD_KAFKA_OFFSET_BEGINNING) put a ListOffsets
 * round trip, and a first Fetch of whichever partition's offset came back first, in its time.
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const int flushTimeoutMs = 120000;
static const int metadataTimeoutMs = 10000;
/*
 * Records per rd_kafka_consume_batch_queue call at most: more than one Fetch answer holds (6
 * partitions x 1 MiB, about 57,000 records of 100 bytes), so that the application's thread frees
 * a batch while the broker thread waits for its next answer, rather than record by record while it
 * parses one: the two contend less for glibc's arena lock (docs/benchmarks.md). In five pairs
 * with the two threads pinned to CPUs of their own, 100,000 read 2 million records at 1.23-1.60M
 * records/s against 10,000's 0.98-1.24M, with 25-47% less CPU per record in four (7% more in one);
 * 200,000 did no better than 100,000.
 */
static const int consumeBatchMax = 100000;
/*
 * Records per rd_kafka_produce_batch call, all to one partition, the next call to the next: 1,000
 * records (about 100 KB) keep each call's fixed cost small, and a partition's run spans several
 * batches, as librdkafka's sticky partitioner would send keyless records to one partition for
 * sticky.partitioning.linger.ms (10 ms, 10,000 records at 1M/s). 148 and 10,000 cost about the same CPU (under load).
 */
static const int produceBatchRecords = 1000;

static void fail(const char *what, const char *detail) {
  fprintf(stderr, "rdkafka-perf: %s: %s\n", what, detail);
  exit(1);
}

static double nowMs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long long parseCount(const char *s, const char *what) {
  char *end;
  long long n = strtoll(s, &end, 10);
  if (*end != '\0' || n < 0) fail(what, "expected a whole number, 0 or more");
  return n;
}

/* bootstrap.servers, then every prop=value of the command line. */
static rd_kafka_conf_t *configure(const char *bootstrap, int argc, char **argv) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err) != RD_KAFKA_CONF_OK) fail("bootstrap.servers", err);
  for (int i = 0; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    if (eq == NULL) fail(argv[i], "expected prop=value");
    *eq = '\0';
    if (rd_kafka_conf_set(conf, argv[i], eq + 1, err, sizeof err) != RD_KAFKA_CONF_OK) fail(argv[i], err);
  }
  return conf;
}

/* Says it is ready, and waits for the benchmark's go (any line; end of input ends the run). */
static void readyThenWait(void) {
  char line[64];
  printf("ready\n");
  fflush(stdout);
  if (fgets(line, sizeof line, stdin) == NULL) fail("stdin", "closed before the go");
}

/* Reports the timed part, then waits until the benchmark has read the threads' CPU time (the end of stdin). */
static void reportThenWait(long long records, double elapsedMs, long long failed) {
  char line[64];
  printf("{\"records\":%lld,\"elapsedMs\":%.3f,\"failed\":%lld}\n", records, elapsedMs, failed);
  fflush(stdout);
  while (fgets(line, sizeof line, stdin) != NULL) continue;
}

static long long delivered;
static long long deliveryFailed;
static char firstDeliveryError[256];

static void onDelivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    delivered++;
  } else {
    if (deliveryFailed++ == 0) snprintf(firstDeliveryError, sizeof firstDeliveryError, "%s", rd_kafka_err2str(m->err));
  }
}

/* The partition count of `topic`, asked of the cluster (which also opens the connections). */
static int partitionsOf(rd_kafka_t *rk, rd_kafka_topic_t *topic) {
  const struct rd_kafka_metadata *metadata;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, topic, &metadata, metadataTimeoutMs);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) fail("metadata", rd_kafka_err2str(err));
  if (metadata->topic_cnt != 1 || metadata->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) fail(rd_kafka_topic_name(topic), "no such topic");
  int partitions = metadata->topics[0].partition_cnt;
  rd_kafka_metadata_destroy(metadata);
  return partitions;
}

/*
 * Produces `records` records of `payload`, `produceBatchRecords` at a time to each partition in
 * turn, with rd_kafka_produce_batch (librdkafka's batch API): one call takes the topic's lock,
 * looks the partition up and reads the clock once for its whole array, where rd_kafka_produce
 * does all three, and runs the partitioner, for every record. Records the full queue refused are
 * offered again once rd_kafka_poll has served delivery reports. Waits until every one is acknowledged.
 */
static void produceAll(rd_kafka_t *rk, rd_kafka_topic_t *topic, int partitions, rd_kafka_message_t *batch, long long records) {
  long long sent = 0;
  for (int32_t partition = 0; sent < records; partition = (partition + 1) % partitions) {
    long long left = records - sent;
    int count = left < produceBatchRecords ? (int)left : produceBatchRecords;
    int offered = 0;
    while (offered < count) {
      rd_kafka_produce_batch(topic, partition, 0, batch + offered, count - offered);
      // A full queue refuses the record it is met at and every one after it.
      while (offered < count && batch[offered].err == RD_KAFKA_RESP_ERR_NO_ERROR) offered++;
      if (offered == count) break;
      if (batch[offered].err != RD_KAFKA_RESP_ERR__QUEUE_FULL) fail("produce", rd_kafka_err2str(batch[offered].err));
      rd_kafka_poll(rk, 1);
    }
    sent += count;
    rd_kafka_poll(rk, 0);
  }
  if (rd_kafka_flush(rk, flushTimeoutMs) != RD_KAFKA_RESP_ERR_NO_ERROR) fail("flush", "records still unacknowledged at the timeout");
}

static int produce(const char *bootstrap, const char *topicName, long long records, long long size, long long warmup, int argc, char **argv) {
  char err[512];
  rd_kafka_conf_t *conf = configure(bootstrap, argc, argv);
  rd_kafka_conf_set_dr_msg_cb(conf, onDelivery);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == NULL) fail("producer", err);
  rd_kafka_topic_t *topic = rd_kafka_topic_new(rk, topicName, NULL);
  int partitions = partitionsOf(rk, topic);
  char *payload = malloc((size_t)size);
  for (long long i = 0; i < size; i++) payload[i] = (char)('A' + rand() % 26);
  // Every record of a call is the same payload, never freed nor changed while produced:
  // librdkafka references it instead of copying it (no RD_KAFKA_MSG_F_COPY).
  rd_kafka_message_t *batch = calloc((size_t)produceBatchRecords, sizeof *batch);
  for (int i = 0; i < produceBatchRecords; i++) {
    batch[i].payload = payload;
    batch[i].len = (size_t)size;
  }
  produceAll(rk, topic, partitions, batch, warmup + 1); // metadata, connections, the JIT of the broker
  if (deliveryFailed > 0) fail("warm-up", firstDeliveryError);
  readyThenWait();
  long long deliveredBefore = delivered;
  double startMs = nowMs();
  produceAll(rk, topic, partitions, batch, records);
  double elapsedMs = nowMs() - startMs;
  reportThenWait(delivered - deliveredBefore, elapsedMs, deliveryFailed);
  if (deliveryFailed > 0) fprintf(stderr, "rdkafka-perf: first delivery error: %s\n", firstDeliveryError);
  rd_kafka_topic_destroy(topic);
  rd_kafka_destroy(rk);
  free(batch);
  free(payload);
  return deliveryFailed > 0 ? 1 : 0;
}

/*
 * The log start offset of each of `partitions` partitions of `topic`, asked for (ListOffsets)
 * before the clock starts, as Josef's consumer has its positions (consumer.position) before its
 * clock starts: started at these offsets, librdkafka fetches without looking them up first.
 */
static int64_t *logStartOffsets(rd_kafka_t *rk, rd_kafka_topic_t *topic, int partitions) {
  int64_t *offsets = malloc(sizeof *offsets * (size_t)partitions);
  for (int p = 0; p < partitions; p++) {
    int64_t high;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk, rd_kafka_topic_name(topic), p, &offsets[p], &high, metadataTimeoutMs);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) fail("log start offset", rd_kafka_err2str(err));
  }
  return offsets;
}

/* Reads every partition of `topic` from `offsets` into one queue until `records` records have arrived; how many did (a partition's end of log counts for none). */
static long long consumeRecords(rd_kafka_t *rk, rd_kafka_topic_t *topic, int partitions, const int64_t *offsets, long long records, rd_kafka_message_t **batch) {
  rd_kafka_queue_t *queue = rd_kafka_queue_new(rk);
  for (int p = 0; p < partitions; p++) {
    if (rd_kafka_consume_start_queue(topic, p, offsets[p], queue) == -1) fail("consume start", rd_kafka_err2str(rd_kafka_last_error()));
  }
  long long count = 0;
  while (count < records) {
    // It waits until the batch is full (or the timeout passes): never ask for more than are still
    // needed, or the last call would wait for a further Fetch, as Josef's poll would not.
    long long missing = records - count;
    ssize_t n = rd_kafka_consume_batch_queue(queue, 1000, batch, missing < consumeBatchMax ? (size_t)missing : (size_t)consumeBatchMax);
    if (n < 0) fail("consume", rd_kafka_err2str(rd_kafka_last_error()));
    for (ssize_t i = 0; i < n; i++) {
      if (batch[i]->err == RD_KAFKA_RESP_ERR_NO_ERROR) count++;
      else if (batch[i]->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) fail("consume", rd_kafka_message_errstr(batch[i]));
      rd_kafka_message_destroy(batch[i]);
    }
  }
  for (int p = 0; p < partitions; p++) rd_kafka_consume_stop(topic, p);
  rd_kafka_queue_destroy(queue);
  return count;
}

static int consume(const char *bootstrap, const char *topicName, long long records, const char *warmupTopicName, long long warmup, int argc, char **argv) {
  char err[512];
  rd_kafka_conf_t *conf = configure(bootstrap, argc, argv);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == NULL) fail("consumer", err);
  rd_kafka_message_t **batch = malloc(sizeof *batch * (size_t)consumeBatchMax);
  rd_kafka_topic_t *warmupTopic = rd_kafka_topic_new(rk, warmupTopicName, NULL);
  if (warmup > 0) { // the JIT of the broker's fetch path
    int warmupPartitions = partitionsOf(rk, warmupTopic);
    int64_t *warmupOffsets = logStartOffsets(rk, warmupTopic, warmupPartitions);
    consumeRecords(rk, warmupTopic, warmupPartitions, warmupOffsets, warmup, batch);
    free(warmupOffsets);
  }
  rd_kafka_topic_t *topic = rd_kafka_topic_new(rk, topicName, NULL);
  int partitions = partitionsOf(rk, topic);
  int64_t *offsets = logStartOffsets(rk, topic, partitions);
  readyThenWait();
  double startMs = nowMs();
  long long count = consumeRecords(rk, topic, partitions, offsets, records, batch);
  reportThenWait(count, nowMs() - startMs, 0);
  free(offsets);
  free(batch);
  rd_kafka_topic_destroy(topic);
  rd_kafka_topic_destroy(warmupTopic);
  rd_kafka_destroy(rk);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 7 && strcmp(argv[1], "produce") == 0) {
    return produce(argv[2], argv[3], parseCount(argv[4], "records"), parseCount(argv[5], "record size"), parseCount(argv[6], "warm-up records"), argc - 7, argv + 7);
  }
  if (argc >= 7 && strcmp(argv[1], "consume") == 0) {
    return consume(argv[2], argv[3], parseCount(argv[4], "records"), argv[5], parseCount(argv[6], "warm-up records"), argc - 7, argv + 7);
  }
  fprintf(stderr,
          "usage: rdkafka-perf produce <bootstrap> <topic> <records> <record-size> <warmup-records> [prop=value ...]\n"
          "       rdkafka-perf consume <bootstrap> <topic> <records> <warmup-topic> <warmup-records> [prop=value ...]\n");
  return 2;
}
