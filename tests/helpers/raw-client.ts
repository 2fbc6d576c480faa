/**
 * A raw TCP client for tests that play a misbehaving client: it writes whatever bytes the test
 * gives and collects the broker's answers as whole frames (without their length), in either
 * protocol, and whether the broker closed the connection.
 */
import net from 'net';
import { FRAME_LENGTH_BYTES } from '../../src/protocol/frame';
import { FrameDecoder } from '../../src/protocol/frame-decoder';

export interface RawClient {
  readonly socket: net.Socket;
  /** Every whole frame received, in order, without its length prefix. */
  readonly frames: Buffer[];
  closed(): boolean;
}

/** Connects to `host:port`; the caller destroys the socket when done. */
export async function rawClient(host: string, port: number): Promise<RawClient> {
  const socket = net.connect(port, host);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const frames: Buffer[] = [];
  const decoder = new FrameDecoder(1 << 20, 'responses');
  let closed = false;
  socket.on('data', (chunk: Buffer) => {
    decoder.push(chunk);
    for (let f = decoder.next(); f; f = decoder.next()) frames.push(Buffer.from(f));
  });
  socket.on('error', () => undefined);
  socket.on('close', () => { closed = true; });
  return { socket, frames, closed: () => closed };
}

/** `payload` after its 4-byte length: one frame, in either protocol. */
export function framed(...payload: Buffer[]): Buffer {
  const bytes = Buffer.concat(payload);
  const length = Buffer.alloc(FRAME_LENGTH_BYTES);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}
