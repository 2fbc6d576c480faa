/**
 * The seed of a randomized suite, so that a failure reproduces from it (TigerBeetle's rule).
 * JOSEF_FUZZ_SEED replays a run; without it each run draws a new seed and prints it before the
 * properties run. fast-check names the seed again, with the path to the shrunk case, when one fails.
 */
export function fuzzSeed(suite: string): number {
  const given = process.env.JOSEF_FUZZ_SEED;
  const seed = given === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(given);
  if (!Number.isSafeInteger(seed)) throw new Error(`JOSEF_FUZZ_SEED=${given} is not an integer`);
  process.stderr.write(`${suite}: seed ${seed} (JOSEF_FUZZ_SEED=${seed} replays this run)\n`);
  return seed;
}
