/** LiveScreen: the redrawn picture (a terminal) or timestamped lines (plain) both demos write. */
import { LiveScreen } from '../../../src/cli/live-screen';

function collector(): { out: NodeJS.WritableStream; text: () => string } {
  const chunks: string[] = [];
  const out = { write: (t: string) => { chunks.push(t); return true; }, columns: 41 } as unknown as NodeJS.WritableStream;
  return { out, text: () => chunks.join('') };
}

const content = { lines: (n: number) => [`picture ${n}`, 'word '.repeat(12).trim()], status: (n: number) => `status ${n}` };

describe('LiveScreen', () => {
  it('plain: story lines with their time, the status line at the end only when asked and attached', () => {
    const { out, text } = collector();
    const screen = new LiveScreen<number>(out, false, content, 3, 1_000, () => 2_500);
    screen.say('starting');
    screen.finish(7, 'verdict', { plainStatus: true, onlyIfAttached: true });
    expect(text()).toBe('[+  1.5s] starting\nverdict\n');
    const second = collector();
    const attached = new LiveScreen<number>(second.out, false, content, 3, 1_000, () => 2_500);
    attached.attach(() => 1);
    attached.say('moving');
    attached.finish(7, 'verdict', { plainStatus: true, onlyIfAttached: true });
    expect(second.text()).toBe('[+  1.5s] moving\n[+  1.5s] status 7\nverdict\n');
  });

  it('live: keeps the last story lines under the picture, wraps to the terminal width, redraws in place, shows the cursor again', () => {
    const { out, text } = collector();
    const screen = new LiveScreen<number>(out, true, content, 2, 0, () => 0);
    screen.attach(() => 1);
    for (const line of ['one', 'two', 'three']) screen.say(line);
    screen.finish(2, 'done', { plainStatus: false, onlyIfAttached: false });
    const drawn = text();
    expect(drawn.startsWith('\x1b[?25l')).toBe(true);
    expect(drawn).toContain('picture 2\x1b[K\nword word word word word word word word\x1b[K\n    word word word word\x1b[K\n\x1b[K\n[+    0s] two\x1b[K\n[+    0s] three\x1b[K\n');
    expect(drawn).not.toContain('] one');
    expect(drawn.endsWith('\x1b[?25hdone\n')).toBe(true);
  });
});
