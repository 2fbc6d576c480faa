/** An answer the console's API gives instead of a result: an HTTP status and a message that says what to change. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'HttpError';
  }
}
