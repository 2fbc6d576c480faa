/**
 * The error a client raises for an error code a broker answered with: Kafka's name, what was
 * being done, and the broker's own message when it sent one (without repeating the name).
 */
import { errorInfo, JosefError } from '../common/errors';

export function brokerError(code: number, context: string, errorMessage?: string | null): JosefError {
  const info = errorInfo(code);
  if (!errorMessage) return new JosefError(info, context);
  const prefix = `${info.name}: `;
  return new JosefError(info, `${context}: ${errorMessage.startsWith(prefix) ? errorMessage.slice(prefix.length) : errorMessage}`);
}
