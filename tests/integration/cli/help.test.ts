/**
 * Every `josef` command answers `--help` with exit code 0 and a text that names each of its
 * options and arguments. The list of commands comes from the program itself, so a command added
 * later is covered without touching this test. Each command is asked in this process (a child
 * process per command would take minutes); a few are asked in a real child process too.
 */
import type { Command, CommanderError } from 'commander';
import { buildProgram } from '../../../src/cli/main';
import { runJosef } from '../../helpers/cluster';

jest.setTimeout(120_000);

interface CommandHelp {
  path: string[];
  /** The long flags (`--data-dir`) of its visible options. */
  options: string[];
  /** Its arguments and subcommands by name. */
  args: string[];
}

function commandsOf(command: Command, prefix: string[] = []): CommandHelp[] {
  return command.commands.flatMap((sub) => {
    const path = [...prefix, sub.name()];
    const options = sub.options.filter((o) => !o.hidden).map((o) => o.long ?? o.short ?? o.flags);
    // A command group's help lists its subcommands; a command's names its arguments.
    const args = [...sub.registeredArguments.map((a) => a.name()), ...sub.commands.map((c) => c.name())];
    return [{ path, options, args }, ...commandsOf(sub, path)];
  });
}

/**
 * Runs `josef <path> --help` inside this process, as main() would parse it, and returns what it
 * printed and the exit code commander asked for. Every command of the tree gets the override,
 * since commander copies such settings only into commands created after they are set.
 */
async function helpInProcess(path: string[]): Promise<{ exitCode: number; stdout: string }> {
  const program = buildProgram();
  let stdout = '';
  const configure = (command: Command): void => {
    command.exitOverride().configureOutput({ writeOut: (text) => { stdout += text; }, writeErr: (text) => { stdout += text; } });
    command.commands.forEach(configure);
  };
  configure(program);
  try {
    await program.parseAsync(['node', 'josef', ...path, '--help']);
  } catch (err) {
    return { exitCode: (err as CommanderError).exitCode, stdout };
  }
  throw new Error(`josef ${path.join(' ')} --help did not end in commander's help exit`);
}

describe('josef <command> --help', () => {
  const commands = commandsOf(buildProgram());

  it('covers the commands a user is told about', () => {
    const paths = commands.map((c) => c.path.join(' '));
    for (const expected of ['cluster up', 'cluster status', 'cluster down', 'broker start', 'broker kill', 'zk tree', 'topic describe', 'produce', 'consume', 'dump-log']) {
      expect(paths).toContain(expected);
    }
  });

  it.each(commandsOf(buildProgram()).map((c) => [c.path.join(' '), c] as const))('josef %s --help exits 0 and names every option and argument', async (_, command) => {
    const { exitCode, stdout } = await helpInProcess(command.path);
    expect(exitCode).toBe(0);
    for (const name of [...command.options, ...command.args]) expect([name, stdout.includes(name)]).toEqual([name, true]);
  });

  it('does the same in a real process (the exit code a shell sees)', async () => {
    const runs = await Promise.all([[], ['cluster', 'up'], ['broker', 'kill']].map(async (path) => ({ path, run: await runJosef([...path, '--help']) })));
    for (const { path, run } of runs) {
      expect([path, run.code, run.stderr]).toEqual([path, 0, '']);
      expect(run.stdout).toMatch(/^Usage: josef/);
    }
    expect(runs[1].run.stdout).toContain('--zk-ensemble');
  });
});
