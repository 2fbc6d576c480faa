/** The error of a broker setting whose value is missing or wrong: its message names the setting, its value and its source. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
