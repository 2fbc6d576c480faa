/**
 * Where a local process (a ZooKeeper node, a broker) runs when it is not simply this machine's
 * loopback: the address it binds and is reached at, and the command prefix that runs a program on
 * that host (`ip netns exec <namespace>` for the chaos run's hosts). The prefix must exec the
 * program rather than fork it, so that the pid spawned is the program's own.
 */
export interface ProcessHost {
  address: string;
  /** Argv put before the program's; none: run it here. */
  exec?: readonly string[];
}

/** The command and arguments that run `command args` on `host` (here when it has no exec prefix). */
export function commandOn(host: ProcessHost | undefined, command: string, args: readonly string[]): { command: string; args: string[] } {
  const exec = host?.exec ?? [];
  if (exec.length === 0) return { command, args: [...args] };
  return { command: exec[0], args: [...exec.slice(1), command, ...args] };
}
