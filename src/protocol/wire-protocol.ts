/**
 * The two protocols every broker address speaks (DESIGN.md, "Kafka's binary protocol beside
 * it"): Josef's msgpack frames and Apache Kafka's binary messages. Both frame the same way (a
 * 4-byte big-endian length, then the value), so the frame decoder is shared; a connection's
 * first frame says which protocol it speaks, and every later frame is read the same way. Each
 * protocol turns a frame into a request for the one dispatcher, and the dispatcher's answer
 * back into a frame.
 */
import type { FrameChunks } from './chunk-writer';
import type { DecodedRequest, InvalidFrameError } from './frame';

export type ProtocolName = 'josef' | 'kafka';

/** The answer to a request that failed as a whole (a thrown error, an unknown API): each protocol says it its own way. */
export class RequestFailure {
  constructor(readonly errorCode: number) {}
}

/**
 * No answer, and the connection closes once the answers before it are written: Kafka's way of
 * telling an acks=0 producer that a Produce failed (it asked for no answer, so a closed connection
 * is the only signal it gets; it then refreshes its metadata and reconnects).
 */
export class CloseConnection {
  constructor(readonly reason: string) {}
}

/** What a frame asks of the connection. */
export type DecodedFrame =
  /** A request for the dispatcher. */
  | { readonly kind: 'request'; readonly request: DecodedRequest }
  /** An answer the protocol gives by itself (a version it does not speak), written in turn; the connection goes on. */
  | { readonly kind: 'reply'; readonly frame: FrameChunks }
  /** The frame cannot be served: the connection closes, after `finalFrame` when the protocol has one to say why. */
  | { readonly kind: 'close'; readonly reason: string; readonly finalFrame?: Buffer };

export interface WireProtocol {
  readonly name: ProtocolName;
  decode(frame: Buffer): DecodedFrame;
  /** The frame answering `request`: the handler's response, or the protocol's way of saying it failed. */
  encode(request: DecodedRequest, result: object | RequestFailure): FrameChunks;
  /** A frame the decoder refused before it could be read (over socket.request.max.bytes): what to send before closing. */
  rejection(err: InvalidFrameError): Buffer | undefined;
}

/**
 * Which protocol a connection's first frame is in: a Josef request is a msgpack array (fixarray,
 * array16 or array32 tag), a Kafka request starts with its int16 API key, whose high byte is 0
 * for every key there is.
 */
export function detectProtocol(frame: Buffer): ProtocolName {
  if (frame.length === 0) return 'josef';
  const tag = frame[0];
  return (tag >= 0x90 && tag <= 0x9f) || tag === 0xdc || tag === 0xdd ? 'josef' : 'kafka';
}
