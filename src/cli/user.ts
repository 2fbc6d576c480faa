/**
 * `josef user add|delete|list`: SCRAM users in ZooKeeper, as Kafka's kafka-configs --zookeeper
 * --entity-type users manages them (security/user-admin.ts). Brokers pick changes up at once.
 */
import type { Command } from 'commander';
import { isScramMechanism, SCRAM_MECHANISMS, type ScramMechanism } from '../common/scram';
import { SCRAM_ITERATIONS_DEFAULT } from '../security/scram-credentials';
import { addScramUser, deleteScramUser, listScramUsers } from '../security/user-admin';
import { collect, parseInteger } from './client-cli';
import { addZookeeperOptions, withZookeeper, type ZookeeperOptions } from './zk-command';

interface UserOptions extends ZookeeperOptions {
  mechanism: string[];
}

function mechanismsOf(options: UserOptions): ScramMechanism[] {
  if (options.mechanism.length === 0) return [...SCRAM_MECHANISMS];
  return options.mechanism.map((m) => {
    const upper = m.toUpperCase();
    if (!isScramMechanism(upper)) throw new Error(`--mechanism ${m}: expected ${SCRAM_MECHANISMS.join(' or ')}`);
    return upper;
  });
}

const mechanismOption = '--mechanism <name>';
const mechanismHelp = 'SCRAM-SHA-256 or SCRAM-SHA-512 (repeatable; default: both)';

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('SCRAM users the SASL listeners accept, kept in ZooKeeper (kafka-configs --entity-type users)');
  addZookeeperOptions(
    user.command('add <name>')
      .description('create a user or set its password (a new salt and credential per mechanism)')
      .requiredOption('--password <password>', 'the password (only its SCRAM credential is stored)')
      .option(mechanismOption, mechanismHelp, collect, [])
      .option('--iterations <n>', 'PBKDF2 iterations of the credential', String(SCRAM_ITERATIONS_DEFAULT)),
  ).action(async (name: string, options: UserOptions & { password: string; iterations: string }) => {
    const mechanisms = mechanismsOf(options);
    const iterations = parseInteger('--iterations', options.iterations, 1);
    await withZookeeper(options, 'user-add', (zk) => addScramUser(zk, name, options.password, mechanisms, iterations));
    process.stdout.write(`Completed updating config for user ${name}: ${mechanisms.join(', ')}\n`);
  });
  addZookeeperOptions(
    user.command('delete <name>')
      .description('remove a user\'s credentials; its connections already authenticated stay open, as in Kafka')
      .option(mechanismOption, mechanismHelp, collect, []),
  ).action(async (name: string, options: UserOptions) => {
    const mechanisms = mechanismsOf(options);
    await withZookeeper(options, 'user-delete', (zk) => deleteScramUser(zk, name, mechanisms));
    process.stdout.write(`Completed updating config for user ${name}: removed ${mechanisms.join(', ')}\n`);
  });
  addZookeeperOptions(
    user.command('list').description('every user with a SCRAM credential, and its mechanisms (never the credentials)'),
  ).action(async (options: ZookeeperOptions) => {
    const users = await withZookeeper(options, 'user-list', (zk) => listScramUsers(zk));
    for (const { user: name, mechanisms } of users) process.stdout.write(`${name}\t${mechanisms.join(',')}\n`);
  });
}
