/**
 * The `josef` command line: one commander program; each command group registers itself from its
 * own file so that this one only lists them.
 */
import { Command } from 'commander';
import { registerZkCommands } from './zk';
import { registerDumpLogCommand } from './dump-log';
import { registerBrokerCommands } from './broker';
import { registerClusterCommands } from './cluster';
import { registerTopicCommands } from './topic';
import { registerProduceCommand } from './produce';
import { registerConsumeCommand } from './consume';
import { registerGroupCommands } from './group';
import { registerDemoCommands } from './demo/demo';
import { registerConsoleCommand } from './console';
import { registerUserCommands } from './user';
import { registerAclCommands } from './acl';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('josef')
    .description('A message broker that follows Apache Kafka\'s ZooKeeper-era architecture')
    .showHelpAfterError();
  registerZkCommands(program);
  registerDumpLogCommand(program);
  registerBrokerCommands(program);
  registerClusterCommands(program);
  registerTopicCommands(program);
  registerProduceCommand(program);
  registerConsumeCommand(program);
  registerGroupCommands(program);
  registerDemoCommands(program);
  registerConsoleCommand(program);
  registerUserCommands(program);
  registerAclCommands(program);
  return program;
}

export function main(argv: string[]): void {
  buildProgram()
    .parseAsync(argv)
    .catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`josef: ${message}\n`);
      process.exit(1);
    });
}
