/**
 * A peer's server as a child process of the benchmark: started from its installed binary on a
 * loopback port with its files in a temporary folder, ready once the port accepts connections,
 * its peak resident memory read from /proc, and stopped with SIGTERM (SIGKILL after a bound).
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { waitFor } from '../../src/common/wait';

const readyTimeoutMs = 20_000;
const stopTimeoutMs = 10_000;

/** The path of `binary` on PATH (Debian puts servers in /usr/bin), or undefined. */
export function findBinary(binary: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  const where = found.stdout.trim();
  return found.status === 0 && where !== '' ? where : undefined;
}

/** Peak resident set (VmHWM) of a live process in bytes, or undefined once it is gone. */
export function peakRssBytesOf(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    return kb ? Number(kb[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

export class ServerProcess {
  /** The last peak seen, kept for after the process exits. */
  private peakBytes = 0;

  private constructor(
    readonly name: string,
    readonly dir: string,
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
    private readonly output: () => string,
  ) {}

  /** Spawns `binary args(dir)` in a fresh temporary folder and waits until `port` accepts connections. */
  static async start(name: string, binary: string, args: (dir: string) => string[], port: number): Promise<ServerProcess> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `josef-compare-${name}-`));
    const child = spawn(binary, args(dir), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => { output = (output + chunk.toString('utf8')).slice(-4000); };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    let running = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => { running = false; resolve(); }));
    const server = new ServerProcess(name, dir, child, exited, () => output);
    try {
      await waitFor(async () => {
        if (!running) throw new Error(`${name} exited while starting:\n${output}`);
        return portAccepts(port);
      }, { timeoutMs: readyTimeoutMs, intervalMs: 50, message: () => `${name} to listen on 127.0.0.1:${port}` });
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  peakRssBytes(): number {
    const now = this.child.pid === undefined ? undefined : peakRssBytesOf(this.child.pid);
    if (now !== undefined && now > this.peakBytes) this.peakBytes = now;
    return this.peakBytes;
  }

  async stop(): Promise<void> {
    this.peakRssBytes();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), stopTimeoutMs);
      await this.exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** The end of what it printed, for error messages. */
  tail(): string {
    return this.output();
  }
}
