import * as fs from 'fs';
import * as path from 'path';
import {
  readCheckpointLines, readOffsetCheckpoint, writeCheckpointLines, writeFileAtomically, writeOffsetCheckpoint,
} from '../../../src/storage/checkpoint-file';
import { readMetaProperties, writeMetaProperties } from '../../../src/storage/meta-properties';
import { rmDir, tmpDir } from '../../helpers/tmp';

let dir: string;
beforeEach(() => {
  dir = tmpDir('checkpoint');
});
afterEach(() => rmDir(dir));

describe('offset checkpoint files', () => {
  it('round-trips topic partition offset lines in Kafka\'s format', () => {
    const file = path.join(dir, 'recovery-point-offset-checkpoint');
    writeOffsetCheckpoint(file, [['orders', 0, 42], ['a.b_c-d', 17, 2 ** 40]]);
    expect(fs.readFileSync(file, 'utf8')).toBe(`0\n2\norders 0 42\na.b_c-d 17 ${2 ** 40}\n`);
    expect(readOffsetCheckpoint(file)).toEqual(new Map([['orders-0', 42], ['a.b_c-d-17', 2 ** 40]]));
  });

  it('reads a missing file as empty', () => {
    expect(readOffsetCheckpoint(path.join(dir, 'nothing-here'))).toEqual(new Map());
    expect(readCheckpointLines(path.join(dir, 'nothing-here'))).toEqual([]);
  });

  it.each([
    ['', /missing version or count line/],
    ['1\n0\n', /unsupported version "1"/],
    ['0\n2\norders 0 1\n', /count line says 2, 1 entries follow/],
    ['0\nx\n', /count line says x/],
    ['0\n1\norders zero 1\n', /entry "orders zero 1"/],
    ['0\n1\norders 0\n', /entry "orders 0"/],
  ])('refuses malformed content %j, naming the file', (content, why) => {
    const file = path.join(dir, 'replication-offset-checkpoint');
    fs.writeFileSync(file, content);
    expect(() => readOffsetCheckpoint(file)).toThrow(why);
    expect(() => readOffsetCheckpoint(file)).toThrow(file);
  });

  it('writes atomically: the old content stays whole until the rename, and no temp file remains', () => {
    const file = path.join(dir, 'cp');
    writeCheckpointLines(file, ['a 0 1']);
    // A crash mid-write leaves only a temp file beside the old checkpoint: readers never see it.
    fs.writeFileSync(`${file}.tmp`, '0\n5\ntorn');
    expect(readCheckpointLines(file)).toEqual(['a 0 1']);
    writeCheckpointLines(file, ['a 0 2', 'b 1 3']);
    expect(readCheckpointLines(file)).toEqual(['a 0 2', 'b 1 3']);
    expect(fs.readdirSync(dir)).toEqual(['cp']);
  });

  it('replaces a file whole through a rename, so the inode changes', () => {
    const file = path.join(dir, 'x');
    writeFileAtomically(file, 'one');
    const before = fs.statSync(file).ino;
    writeFileAtomically(file, 'two');
    expect(fs.readFileSync(file, 'utf8')).toBe('two');
    expect(fs.statSync(file).ino).not.toBe(before);
  });
});

describe('meta.properties', () => {
  it('round-trips version, broker.id and cluster.id in Kafka\'s format', () => {
    expect(readMetaProperties(dir)).toBeUndefined();
    writeMetaProperties(dir, { version: 0, brokerId: 3, clusterId: 'hX3aBc_dQ1yZ' });
    const text = fs.readFileSync(path.join(dir, 'meta.properties'), 'utf8');
    expect(text).toMatch(/^#/);
    expect(text).toContain('version=0\nbroker.id=3\ncluster.id=hX3aBc_dQ1yZ\n');
    expect(readMetaProperties(dir)).toEqual({ version: 0, brokerId: 3, clusterId: 'hX3aBc_dQ1yZ' });
  });

  it('refuses a file without broker.id or cluster.id', () => {
    fs.writeFileSync(path.join(dir, 'meta.properties'), 'version=0\nbroker.id=x\ncluster.id=c\n');
    expect(() => readMetaProperties(dir)).toThrow(/broker.id and cluster.id are required/);
  });
});
