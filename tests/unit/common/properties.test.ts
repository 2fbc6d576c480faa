import { parseProperties, propertiesToMap } from '../../../src/common/properties';

const values = (text: string): Record<string, string> =>
  Object.fromEntries([...propertiesToMap(parseProperties(text))].map(([k, e]) => [k, e.value]));

describe('parseProperties (Java .properties syntax)', () => {
  it('reads key=value, key: value and key value, skipping comments and blank lines', () => {
    expect(values('# comment\n! also a comment\n\nbroker.id=1\nlog.dirs: /tmp/a\nzookeeper.connect 127.0.0.1:2181\n')).toEqual({
      'broker.id': '1', 'log.dirs': '/tmp/a', 'zookeeper.connect': '127.0.0.1:2181',
    });
  });

  it('trims whitespace around the separator but keeps it inside the value', () => {
    expect(values('  key   =   a value with spaces  ')).toEqual({ key: 'a value with spaces  ' });
  });

  it('joins continuation lines and drops their leading whitespace', () => {
    expect(values('log.dirs=/a,\\\n    /b,\\\n    /c\nnext=1')).toEqual({ 'log.dirs': '/a,/b,/c', next: '1' });
  });

  it('an even number of trailing backslashes is an escaped backslash, not a continuation', () => {
    expect(values('path=C:\\\\\nnext=1')).toEqual({ path: 'C:\\', next: '1' });
  });

  it('decodes escapes in keys and values', () => {
    expect(values('a\\=b=c\\td\\u0041\\:')).toEqual({ 'a=b': 'c\tdA:' });
  });

  it('a later key wins and entries remember their line', () => {
    const entries = parseProperties('a=1\n\na=2\n');
    expect(propertiesToMap(entries).get('a')).toEqual({ key: 'a', value: '2', line: 3 });
  });

  it('a key alone has an empty value; CRLF line ends work', () => {
    expect(values('flag\r\nother=x\r\n')).toEqual({ flag: '', other: 'x' });
  });

  it('rejects a malformed \\u escape naming the line', () => {
    expect(() => parseProperties('ok=1\nbad=\\u12G4')).toThrow(/line 2/);
  });
});
