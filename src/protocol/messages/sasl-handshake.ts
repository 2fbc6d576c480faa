/** SaslHandshake (key 17): the client names the SASL mechanism it will authenticate with on a SASL listener. */

export interface SaslHandshakeRequest {
  mechanism: string;
}

export interface SaslHandshakeResponse {
  /** UNSUPPORTED_SASL_MECHANISM for a mechanism the listener does not enable; ILLEGAL_SASL_STATE once authenticated. */
  errorCode: number;
  /** The mechanisms the listener enables. */
  mechanisms: string[];
}
