/**
 * A small leveled logger writing one line per event to stderr: `time LEVEL [name] message`.
 * JOSEF_LOG_LEVEL=debug|info|warn|error|silent chooses what is printed (default info).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

function configuredLevel(): LogLevel {
  const level = process.env.JOSEF_LOG_LEVEL as LogLevel | undefined;
  return level && level in rank ? level : 'info';
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  child(name: string): Logger;
  /** Whether debug lines are written: a caller that would build one per partition asks first. Without it: they are. */
  isDebugEnabled?(): boolean;
}

export function createLogger(name: string, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const threshold = rank[configuredLevel()];
  const log = (level: LogLevel, message: string): void => {
    if (rank[level] < threshold) return;
    write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} [${name}] ${message}\n`);
  };
  return {
    debug: (m) => log('debug', m),
    info: (m) => log('info', m),
    warn: (m) => log('warn', m),
    error: (m) => log('error', m),
    child: (sub) => createLogger(`${name}.${sub}`, write),
    isDebugEnabled: () => rank.debug >= threshold,
  };
}
