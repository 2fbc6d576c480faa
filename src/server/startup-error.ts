/**
 * An operating error that stops a broker from starting (a taken broker id, a port in use, data
 * from another cluster): its message is one line saying what happened and how to fix it, printed
 * as is by `josef broker start`, which then exits with code 1.
 */
export class BrokerStartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BrokerStartupError';
  }
}
