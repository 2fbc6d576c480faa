/**
 * Plain-text output helpers shared by CLI commands and benchmarks: `name: value` field lines (the
 * style of Kafka's tools) and column-aligned tables. Pure functions from values to strings.
 */

/** A printable value; null and undefined print as `null`, as Kafka's tools print a missing value. */
export type FieldValue = string | number | boolean | null | undefined;

function text(value: FieldValue): string {
  return value === null || value === undefined ? 'null' : String(value);
}

/** `name1: value1 name2: value2 ...` on one line, in the given order. */
export function formatFields(fields: ReadonlyArray<readonly [string, FieldValue]>): string {
  return fields.map(([name, value]) => `${name}: ${text(value)}`).join(' ');
}

export interface Column {
  /** Heading printed above the column. */
  title: string;
  /** Numbers read best right-aligned; text left-aligned (the default). */
  align?: 'left' | 'right';
}

/**
 * Rows under headings, each column as wide as its widest cell, separated by two spaces, with a
 * dashed rule under the headings. Every row must have one cell per column.
 */
export function formatTable(columns: readonly Column[], rows: ReadonlyArray<readonly FieldValue[]>): string {
  const cells = rows.map((row) => {
    if (row.length !== columns.length) {
      throw new RangeError(`table row has ${row.length} cells, expected ${columns.length}: ${row.map(text).join(', ')}`);
    }
    return row.map(text);
  });
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((row) => row[i].length)));
  const line = (row: readonly string[]): string =>
    row.map((cell, i) => (columns[i].align === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(columns.map((c) => c.title)), rule, ...cells.map(line)].join('\n') + '\n';
}

/** A number with at most `decimals` digits after the point and thousands separators (1,234.5). */
export function formatNumber(value: number, decimals = 1): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: decimals, minimumFractionDigits: 0 });
}
