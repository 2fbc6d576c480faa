/**
 * ZooKeeper's four-letter words over plain TCP (`srvr`, `ruok`, ...): how local tooling asks a
 * server whether it is serving and in which mode, without a session. Every probe has a deadline.
 */
import net from 'net';

const probeTimeoutMsDefault = 1_000;
/** A `srvr` or `mntr` answer is a few hundred bytes; anything far larger is not ZooKeeper. */
const answerBytesMax = 64 * 1024;

/** Sends `word` and resolves with the whole answer (the server closes the connection after it). */
export function fourLetterWord(host: string, port: number, word: string, timeoutMs = probeTimeoutMsDefault): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const socket = net.connect({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer to "${word}" from ${host}:${port} within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.end(word));
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > answerBytesMax) socket.destroy(new Error(`answer to "${word}" from ${host}:${port} exceeds ${answerBytesMax} bytes`));
      else chunks.push(chunk);
    });
    socket.on('error', reject);
    socket.on('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** The `Mode:` line of a `srvr` answer (standalone, leader, follower, observer), if it has one. */
export function parseSrvrMode(answer: string): string | undefined {
  return /^Mode:\s*(\S+)/m.exec(answer)?.[1];
}

/** The server's mode, or undefined while it is unreachable or not yet serving (e.g. electing a leader). */
export async function srvrMode(host: string, port: number, timeoutMs = probeTimeoutMsDefault): Promise<string | undefined> {
  try {
    return parseSrvrMode(await fourLetterWord(host, port, 'srvr', timeoutMs));
  } catch {
    return undefined;
  }
}

/**
 * The data dir the server on host:port was configured with (from `conf`): tells whether the
 * server answering on a port is the one a caller started, not another that took the port.
 */
export async function servedDataDir(host: string, port: number, timeoutMs = probeTimeoutMsDefault): Promise<string | undefined> {
  try {
    return /^dataDir=(.*)$/m.exec(await fourLetterWord(host, port, 'conf', timeoutMs))?.[1]?.trim();
  } catch {
    return undefined;
  }
}
