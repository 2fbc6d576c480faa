/**
 * Suites that need the chaos run's hosts (network namespaces, veth links, nftables: root on
 * Linux): described as usual where they can run, and otherwise skipped with a test whose name and
 * a line on stderr say why, so a run without root shows what it did not check.
 */
import { hostsUnavailableReason } from '../../chaos/hosts/netns';

export function describeOnHosts(name: string, body: () => void): void {
  const reason = hostsUnavailableReason();
  if (reason === undefined) {
    describe(name, body);
    return;
  }
  process.stderr.write(`skipped "${name}": ${reason}\n`);
  describe(name, () => {
    test.skip(`skipped: ${reason}`, () => undefined);
  });
}
