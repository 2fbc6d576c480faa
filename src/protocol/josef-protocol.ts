/**
 * Josef's own protocol as a WireProtocol: msgpack frames (frame.ts). A frame that does not decode
 * is answered with `{errorCode}` where its correlation id can be read, then the connection closes
 * (DESIGN.md); a request that failed as a whole is answered with `{errorCode}` as its body.
 */
import { encodeResponse, encodeResponseChunks, decodeRequest, InvalidFrameError } from './frame';
import type { DecodedFrame, WireProtocol } from './wire-protocol';
import { RequestFailure } from './wire-protocol';

export const josefProtocol: WireProtocol = {
  name: 'josef',
  decode(frame: Buffer): DecodedFrame {
    try {
      return { kind: 'request', request: decodeRequest(frame) };
    } catch (err) {
      if (!(err instanceof InvalidFrameError)) throw err;
      return { kind: 'close', reason: err.message, finalFrame: josefProtocol.rejection(err) };
    }
  },
  encode(request, result) {
    return encodeResponseChunks(request.correlationId, result instanceof RequestFailure ? { errorCode: result.errorCode } : result);
  },
  rejection(err) {
    return err.correlationId === undefined ? undefined : encodeResponse(err.correlationId, { errorCode: err.code });
  },
};
