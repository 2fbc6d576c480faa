/**
 * The ceilings of `npm run bench -- compare` on this machine: the disk's sequential write and
 * read of the same bytes the broker stores (the records in ~16 KiB batches, plain pwrite/pread,
 * as the storage benchmark's raw phases), and TCP over loopback between two Node processes
 * (one writes 1 MiB chunks as fast as the socket takes them, the other counts what arrives).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { elapsedMsSince, mbPerSec, RssSampler } from './harness';
import { buildWorkload, rawReadPhase, rawWritePhase, syncFile } from './storage-phases';

export interface Limits {
  diskWriteMBps: number;
  diskReadMBps: number;
  loopbackMBps: number;
}

const batchBytes = 16_384;
const readBytes = 1024 * 1024;
const loopbackChunkBytes = 1024 * 1024;

/** Writes `bytes` of record batches to a fresh file, fsyncs it (untimed), reads it back; removes it. */
export function diskLimits(bytes: number, recordSize: number): { writeMBps: number; readMBps: number } {
  const workload = buildWorkload(bytes, batchBytes, recordSize);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'josef-compare-disk-'));
  try {
    const file = path.join(dir, 'raw.bin');
    const rss = new RssSampler();
    const write = rawWritePhase(file, workload, rss);
    syncFile(file);
    const read = rawReadPhase(file, workload, readBytes, rss);
    return { writeMBps: mbPerSec(write.bytes, write.elapsedMs), readMBps: mbPerSec(read.bytes, read.elapsedMs) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The sending process: connects to the port in argv[1] and writes argv[2] bytes, chunk by chunk, minding backpressure. */
const senderScript = `
const net = require('net');
const [port, total, chunkBytes] = process.argv.slice(1).map(Number);
const chunk = Buffer.alloc(chunkBytes, 97);
const socket = net.connect(port, '127.0.0.1', () => {
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      const n = Math.min(chunkBytes, total - sent);
      sent += n;
      if (!socket.write(n === chunkBytes ? chunk : chunk.subarray(0, n))) return void socket.once('drain', pump);
    }
    socket.end();
  };
  pump();
});
`;

/** MB/s of `bytes` sent over loopback TCP from a child Node process to this one, from first byte to last. */
export async function loopbackLimit(bytes: number): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const measured = new Promise<number>((resolve, reject) => {
      server.once('connection', (socket) => {
        let received = 0;
        let startNs: bigint | undefined;
        socket.on('data', (data: Buffer) => {
          startNs ??= process.hrtime.bigint();
          received += data.length;
        });
        socket.once('end', () => {
          if (received !== bytes || startNs === undefined) reject(new Error(`loopback: received ${received} of ${bytes} bytes`));
          else resolve(mbPerSec(received, elapsedMsSince(startNs)));
        });
        socket.once('error', reject);
      });
    });
    const child = spawn(process.execPath, ['-e', senderScript, String(port), String(bytes), String(loopbackChunkBytes)], { stdio: 'inherit' });
    const exited = new Promise<void>((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`loopback sender exited with ${code}`)))));
    const [mbps] = await Promise.all([measured, exited]);
    return mbps;
  } finally {
    server.close();
  }
}

export async function measureLimits(diskBytes: number, recordSize: number, loopbackBytes: number): Promise<Limits> {
  const disk = diskLimits(diskBytes, recordSize);
  return { diskWriteMBps: disk.writeMBps, diskReadMBps: disk.readMBps, loopbackMBps: await loopbackLimit(loopbackBytes) };
}
