/** The CLI's text helpers: Kafka-style `name: value` lines and column-aligned tables. */
import { formatFields, formatNumber, formatTable } from '../../../src/cli/format';

describe('formatFields', () => {
  test('prints fields in order, missing values as null', () => {
    expect(formatFields([['offset', 5], ['key', null], ['isvalid', true], ['name', 'x']])).toBe('offset: 5 key: null isvalid: true name: x');
  });
});

describe('formatTable', () => {
  test('aligns columns to their widest cell, numbers to the right', () => {
    const table = formatTable([{ title: 'phase' }, { title: 'MB/s', align: 'right' }], [['append', '894.1'], ['raw write', 12]]);
    expect(table).toBe([
      'phase       MB/s',
      '---------  -----',
      'append     894.1',
      'raw write     12',
      '',
    ].join('\n'));
  });

  test('rejects a row with the wrong number of cells', () => {
    expect(() => formatTable([{ title: 'a' }], [['x', 'y']])).toThrow(/2 cells, expected 1/);
  });
});

describe('formatNumber', () => {
  test('groups thousands and keeps at most the decimals asked for', () => {
    expect(formatNumber(1234567.891, 1)).toBe('1,234,567.9');
    expect(formatNumber(0.5, 0)).toBe('1');
    expect(formatNumber(12, 2)).toBe('12');
  });
});
