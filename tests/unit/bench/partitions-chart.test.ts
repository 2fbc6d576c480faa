/** The partitions benchmark's chart: Josef's figures per count, Kafka's published ones beside them, nothing drawn for a figure a run lacks. */
import { partitionsChartSvg } from '../../../bench/partitions-chart';

const barLabels = (svg: string): string[] => [...svg.matchAll(/<text [^>]*font-size="10">([^<]*)<\/text>/g)].map((m) => m[1]);

describe('partitions chart', () => {
  it('draws each figure at each count, in seconds where it is a time, with Kafka\'s published times in a group of their own', () => {
    const svg = partitionsChartSvg({
      allLedMs_1000: 17_204, allLedMs_5000: 147_517, ledAgainAfterKillMs_1000: 9_500, ledAgainAfterControllerKillMs_1000: 12_300,
      controlledShutdownMs_1000: 2_400, maxFds_1000: 3_030, maxRssMb_1000: 180, rssKibPerReplica_1000: 40.5, produceAllRps_1000: 10_000, produceSixRps_1000: 40_000,
    }, [1000, 5000], ['a caption']);
    expect(svg.startsWith('<svg ')).toBe(true);
    expect(svg).not.toContain('NaN');
    expect(svg).toContain('>Kafka\'s test</text>');
    expect(svg).toContain('>a caption</text>');
    // all led: 17 s and 148 s; the controller panel: Josef's 12 s, then Kafka's 60 s before and 15 s after; 25%: produce over all of 1,000 against over 6.
    expect(barLabels(svg)).toEqual([
      '17', '148', '9.5', '12', '60', '15', '2.4', '390', '3', '3,030', '180', '40.5', '25%',
    ]);
  });
});
