/**
 * Java's `.properties` syntax, as Kafka reads server.properties: `key=value`, `key: value` or
 * `key value`, `#` and `!` comments, lines continued by a trailing backslash, and escapes
 * (`\t`, `\n`, `\uXXXX`, `\=` ...). Pure: text in, ordered entries out; a later key wins. One
 * reader of a file, for the broker's config and a client's `--command-config` alike.
 */
import * as fs from 'fs';

export interface PropertyEntry {
  key: string;
  value: string;
  /** 1-based line where the logical line starts, for error messages. */
  line: number;
}

/** Parses properties text; throws on a malformed `\u` escape, naming the line. */
export function parseProperties(text: string): PropertyEntry[] {
  const entries: PropertyEntry[] = [];
  for (const logical of logicalLines(text)) {
    const parsed = splitKeyValue(logical.text, logical.line);
    if (parsed) entries.push({ ...parsed, line: logical.line });
  }
  return entries;
}

/** The last value of each key, as java.util.Properties keeps them. */
export function propertiesToMap(entries: readonly PropertyEntry[]): Map<string, PropertyEntry> {
  return new Map(entries.map((e) => [e.key, e]));
}

/**
 * Reads and parses the properties file `file`. A file that cannot be read fails as
 * `cannot read <what> <file>: <why>`, malformed text as `<file>: <why>`; `fail` makes the error
 * of the caller's type from that message.
 */
export function readPropertiesFile(file: string, what: string, fail: (message: string) => Error): Map<string, PropertyEntry> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw fail(`cannot read ${what} ${file}: ${(err as Error).message}`);
  }
  try {
    return propertiesToMap(parseProperties(text));
  } catch (err) {
    throw fail(`${file}: ${(err as Error).message}`);
  }
}

interface LogicalLine {
  text: string;
  line: number;
}

/** Joins continued lines (odd number of trailing backslashes), dropping comments and blank lines. */
function logicalLines(text: string): LogicalLine[] {
  const natural = text.split(/\r\n|\r|\n/);
  const result: LogicalLine[] = [];
  for (let i = 0; i < natural.length; i++) {
    const first = natural[i].replace(/^[ \t\f]+/, '');
    if (first === '' || first.startsWith('#') || first.startsWith('!')) continue;
    const start = i + 1;
    let text = first;
    while (endsWithContinuation(text) && i + 1 < natural.length) {
      i++;
      text = text.slice(0, -1) + natural[i].replace(/^[ \t\f]+/, '');
    }
    if (endsWithContinuation(text)) text = text.slice(0, -1);
    result.push({ text, line: start });
  }
  return result;
}

function endsWithContinuation(text: string): boolean {
  let backslashes = 0;
  for (let i = text.length - 1; i >= 0 && text[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 1;
}

/** The key ends at the first unescaped `=`, `:` or whitespace; one separator may follow whitespace. */
function splitKeyValue(text: string, line: number): { key: string; value: string } | undefined {
  let keyEnd = 0;
  while (keyEnd < text.length) {
    const c = text[keyEnd];
    if (c === '\\') {
      keyEnd += 2;
      continue;
    }
    if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
    keyEnd++;
  }
  let valueStart = keyEnd;
  while (valueStart < text.length && /[ \t\f]/.test(text[valueStart])) valueStart++;
  if (valueStart < text.length && (text[valueStart] === '=' || text[valueStart] === ':')) valueStart++;
  while (valueStart < text.length && /[ \t\f]/.test(text[valueStart])) valueStart++;
  const key = unescape(text.slice(0, Math.min(keyEnd, text.length)), line);
  if (key === '') return undefined;
  return { key, value: unescape(text.slice(valueStart), line) };
}

const simpleEscapes: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescape(text: string, line: number): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '\\' || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const next = text[++i];
    if (next === 'u') {
      const hex = text.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Error(`malformed \\uXXXX escape "\\u${hex}" on line ${line}`);
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else {
      out += simpleEscapes[next] ?? next;
    }
  }
  return out;
}
