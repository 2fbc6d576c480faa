import fs from 'fs';
import path from 'path';
import { BROKER_HEAP_OPTS_DEFAULT, brokerNodeOptions } from '../../../src/local/broker-node-options';

describe('brokerNodeOptions (the Node options broker processes start with)', () => {
  it('defaults to the heap settings when JOSEF_HEAP_OPTS is not set', () => {
    expect(brokerNodeOptions({})).toEqual(BROKER_HEAP_OPTS_DEFAULT.split(' '));
    expect(brokerNodeOptions({})).toContain('--initial-old-space-size=64');
  });

  it('takes JOSEF_HEAP_OPTS instead, split on any whitespace', () => {
    expect(brokerNodeOptions({ JOSEF_HEAP_OPTS: ' --trace-gc   --max-old-space-size=512 ' })).toEqual(['--trace-gc', '--max-old-space-size=512']);
  });

  it('gives none for an empty JOSEF_HEAP_OPTS', () => {
    expect(brokerNodeOptions({ JOSEF_HEAP_OPTS: '' })).toEqual([]);
  });

  it('is what the Dockerfile starts the broker with (a Dockerfile cannot import it, so it repeats it)', () => {
    const dockerfile = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'Dockerfile'), 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
    expect(cmd).not.toBeNull();
    expect(JSON.parse((cmd as RegExpExecArray)[1])).toEqual(['node', ...brokerNodeOptions({}), '/app/bin/josef', 'broker', 'start']);
  });
});
