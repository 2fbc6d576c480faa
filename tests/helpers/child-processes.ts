/**
 * Child processes of a test (josef commands, Kafka's own clients): their output collected as it
 * comes, a deadline on every wait, and every child kept in one registry until it has exited, so
 * that a test file's afterAll can kill whatever a failed test left running (stopAllChildren).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import { waitFor } from './wait';

export interface ChildExit {
  /** The exit code, or null when a signal ended the process (or it never started). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

export interface ChildOptions {
  /** Added to the test's environment. */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed; absent, stdin stays open until closeStdin(). */
  input?: string | Buffer;
}

/** How long stop() waits after its signal before it sends SIGKILL. */
const stopGraceMs = 10_000;
/** The tail of stderr an error message quotes. */
const stderrQuotedChars = 2_000;

const running = new Set<TestChild>();

export class TestChild {
  /** Resolves once the process has exited and its output is closed; never rejects. */
  readonly exited: Promise<ChildExit>;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly stdoutChunks: Buffer[] = [];
  private stderrText = '';
  private exit: ChildExit | undefined;

  constructor(readonly command: string, readonly args: readonly string[], options: ChildOptions = {}) {
    this.child = spawn(command, args, { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(this);
    this.child.stdout.on('data', (chunk: Buffer) => this.stdoutChunks.push(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => { this.stderrText += chunk.toString(); });
    // A child that has exited no longer reads its stdin: writing to it must not fail the test.
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (this.exit !== undefined) return;
        running.delete(this);
        this.exit = { code, signal, stdout: this.stdout, stderr: this.stderrText };
        resolve(this.exit);
      };
      this.child.once('close', done);
      this.child.once('error', (err) => {
        this.stderrText += `${this.describe()} could not run: ${err.message}\n`;
        done(null, null);
      });
    });
    if (options.input !== undefined) this.child.stdin.end(options.input);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stdout(): Buffer {
    return Buffer.concat(this.stdoutChunks);
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** The complete lines of stdout so far (a line still being written is left out). */
  stdoutLines(): string[] {
    const lines = this.stdout.toString().split('\n');
    lines.pop();
    return lines;
  }

  /** `command args...`, for messages. */
  describe(): string {
    return [this.command, ...this.args].join(' ');
  }

  /** The tail of stderr, for a failure message. */
  stderrTail(): string {
    return this.stderrText.slice(-stderrQuotedChars);
  }

  closeStdin(): void {
    this.child.stdin.end();
  }

  /**
   * Resolves with what `find` returns from the output once it returns something; fails when the
   * deadline passes or when the process exits without it (waiting on is then pointless).
   */
  async waitForOutput<T>(find: (child: TestChild) => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return waitFor(() => {
      const found = find(this);
      if (found !== undefined) return found;
      if (this.exit !== undefined) throw new Error(`${this.describe()} exited (${this.exit.code ?? this.exit.signal}) before ${what}; stderr:\n${this.stderrTail()}`);
      return undefined;
    }, { timeoutMs, intervalMs: 100, message: () => `${what} from ${this.describe()}; stderr:\n${this.stderrTail()}` });
  }

  /** Sends `signal` and waits for the exit, with SIGKILL after a grace period; an exited child is left alone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = stopGraceMs): Promise<ChildExit> {
    if (this.exit !== undefined) return this.exit;
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        resolve();
      }, graceMs);
    });
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    return this.exited;
  }
}

/** Runs a command to its exit, killed (and the call failed, quoting stderr) past `timeoutMs`; stdin gets `input` (default: nothing). */
export async function runChild(command: string, args: readonly string[], timeoutMs: number, options: ChildOptions = {}): Promise<ChildExit> {
  const child = new TestChild(command, args, { ...options, input: options.input ?? '' });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([child.exited, timedOut]);
  clearTimeout(timer);
  if (outcome !== 'timeout') return outcome;
  await child.stop('SIGKILL');
  throw new Error(`${child.describe()} did not exit within ${timeoutMs} ms; stderr:\n${child.stderrTail()}`);
}

/** Kills every child still running (SIGKILL: a test's cleanup, not a shutdown to watch) and waits for them. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop('SIGKILL')));
}
