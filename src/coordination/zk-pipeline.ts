/**
 * Many ZooKeeper requests in flight at once (Kafka 1.1's ZooKeeperClient): the controller's work
 * on thousands of partitions waited one round trip per znode, one after the other; pipelined, the
 * round trips overlap and ZooKeeper commits the writes together.
 */

/**
 * Requests outstanding at once, per pipelined caller and per ZooKeeper client (ZkClient queues the
 * rest), named after Kafka's zookeeper.max.in.flight.requests. Kafka's default is 10; the
 * controller is ZooKeeper's main writer while it creates or moves thousands of partitions, and
 * more in flight lets one log sync of ZooKeeper's carry more writes.
 */
export const zookeeperMaxInFlightRequests = 100;

/**
 * Runs `request` for every item, at most `maxInFlight` at once, and resolves with the results in
 * the items' order. After a failure no new request starts, and the error is thrown only once those
 * in flight have settled: a caller that resigns on it must not have requests still writing into
 * the state it then clears.
 */
export async function pipelined<T, R>(items: readonly T[], request: (item: T) => Promise<R>, maxInFlight = zookeeperMaxInFlightRequests): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await request(items[index]);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(maxInFlight, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}
