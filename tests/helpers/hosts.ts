/**
 * Suites that need the chaos run's hosts (network namespaces, veth links, nftables: root on
 * Linux): described as usual where they can run, and otherwise skipped with a test whose name and
 * a line on stderr say why, so a run without root shows what it did not check; and what a run
 * of hosts left behind.
 */
import { execFileSync } from 'child_process';
import { hostsUnavailableReason } from '../../chaos/hosts/netns';
import { ensureDebianPackage } from './debian-package';

export function describeOnHosts(name: string, body: () => void): void {
  // As root, the tools come from Debian's packages on first use, as .ci/run installs them.
  if (process.getuid?.() === 0) {
    ensureDebianPackage('iproute2', '/usr/sbin/ip');
    ensureDebianPackage('nftables', '/usr/sbin/nft');
  }
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

/** The namespaces and links named after a run, as `ip netns list` and `ip link` show them now: what it left behind. */
export function namedAfter(runName: string): string[] {
  const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]);
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n').map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? '');
  return [...namespaces, ...links].filter((name) => name === runName || name.startsWith(`${runName}-`));
}
