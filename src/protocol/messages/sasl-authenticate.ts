/** SaslAuthenticate (key 36): one SASL token of the exchange the handshake chose, and the server's answer to it. */

export interface SaslAuthenticateRequest {
  authBytes: Buffer;
}

export interface SaslAuthenticateResponse {
  /** SASL_AUTHENTICATION_FAILED (the connection then closes), ILLEGAL_SASL_STATE out of turn. */
  errorCode: number;
  errorMessage: string | null;
  authBytes: Buffer;
  /** How long the session may last before the client must authenticate again (Kafka's KIP-368); 0: for as long as it is open. */
  sessionLifetimeMs: number;
}
