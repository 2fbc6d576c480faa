/**
 * Where the real Apache ZooKeeper server comes from: Debian's `zookeeper` package (the server jar,
 * whose manifest names its dependencies) run by `java`. When the jar is missing it is installed
 * through zk/ensure-installed.sh, the same script CI runs, so there is one way to get ZooKeeper.
 */
import { spawnSync } from 'child_process';
import { existsSync } from 'fs';
import path from 'path';

export const zooKeeperJar = '/usr/share/java/zookeeper.jar';
/** Debian's config dir; on the classpath as its zkServer.sh puts it (for log4j.properties). */
const debianConfDir = '/etc/zookeeper/conf';
/** A logging backend for ZooKeeper's slf4j; without it the server logs nothing at all. */
const slf4jSimpleJar = '/usr/share/java/slf4j-simple.jar';
const quorumPeerMain = 'org.apache.zookeeper.server.quorum.QuorumPeerMain';

/**
 * JVM settings of one local node. ZooKeeper keeps its whole tree in memory and Josef's is tiny:
 * 256 MiB and the serial collector keep three nodes light on a small machine.
 */
const jvmOptions = [
  '-Xms32m',
  '-Xmx256m',
  '-XX:+UseSerialGC',
  '-Dorg.slf4j.simpleLogger.showDateTime=true',
  '-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS',
];

/** The checkout's root (where zk/ lives), whether running from src/ through ts-node or from dist/. */
export function josefRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(path.join(dir, 'zk', 'zoo.cfg.template'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find Josef's zk/ folder above ${__dirname}`);
    dir = parent;
  }
}

function javaExecutable(): string {
  const javaHome = process.env.JAVA_HOME;
  const fromHome = javaHome ? path.join(javaHome, 'bin', 'java') : undefined;
  return fromHome && existsSync(fromHome) ? fromHome : 'java';
}

function javaFound(java: string): boolean {
  return spawnSync(java, ['-version'], { stdio: 'ignore' }).status === 0;
}

/** Installs ZooKeeper when missing (as root) or throws saying what to install (otherwise). */
export function ensureZooKeeperInstalled(): void {
  if (existsSync(zooKeeperJar) && javaFound(javaExecutable())) return;
  const script = path.join(josefRoot(), 'zk', 'ensure-installed.sh');
  const result = spawnSync('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    throw new Error(`Apache ZooKeeper is not available (${script} failed; see above)`);
  }
}

/** The command line that runs one ZooKeeper server from its zoo.cfg. */
export function zooKeeperServerCommand(configPath: string): { command: string; args: string[] } {
  const classpath = [debianConfDir, zooKeeperJar, ...(existsSync(slf4jSimpleJar) ? [slf4jSimpleJar] : [])];
  return {
    command: javaExecutable(),
    args: [...jvmOptions, '-cp', classpath.join(':'), quorumPeerMain, configPath],
  };
}
