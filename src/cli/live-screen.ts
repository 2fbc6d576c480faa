/**
 * How both demos write to stdout: on a terminal, a picture redrawn in place with the latest lines
 * of the story below it; elsewhere (logs, CI, `--plain`) each line of the story with its time, and
 * now and then a status line when it changed. The demos give the picture's lines and status line;
 * this holds the timer, the story lines and the cursor movements.
 */
import { formatNumber } from './format';

/** The live view redraws this often; plain mode prints the status line this often (when it changed). */
const liveRedrawMs = 250;
const plainStatusMs = 2_000;

export interface ScreenContent<S> {
  /** The picture above the story lines (live). */
  lines(state: S): string[];
  /** One line for a plain run's periodic status. */
  status(state: S): string;
}

/** `line` cut into rows of at most `width` characters, at spaces where it can; continuation rows indented. */
export function wrap(line: string, width: number): string[] {
  const rows: string[] = [];
  let prefix = '';
  let rest = line;
  while (prefix.length + rest.length > width) {
    // At least one character per row, so that the loop ends whatever the width.
    const room = Math.max(1, width - prefix.length);
    const space = rest.lastIndexOf(' ', room);
    const cut = space > room / 2 ? space : room;
    rows.push(prefix + rest.slice(0, cut));
    rest = rest.slice(cut).trimStart();
    prefix = '    ';
  }
  rows.push(prefix + rest);
  return rows;
}

export class LiveScreen<S> {
  private readonly events: string[] = [];
  private drawnLines = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastStatus = '';

  constructor(
    private readonly out: NodeJS.WritableStream,
    readonly live: boolean,
    private readonly content: ScreenContent<S>,
    private readonly eventsMax: number,
    private readonly startedMs: number,
    private readonly nowMs: () => number,
  ) {}

  /** Starts redrawing (live) or printing the status line now and then (plain) from `state`. */
  attach(state: () => S): void {
    if (this.live) this.out.write('\x1b[?25l'); // hide the cursor while redrawing
    this.timer = setInterval(() => (this.live ? this.redraw(state()) : this.plainStatus(state())), this.live ? liveRedrawMs : plainStatusMs);
    this.timer.unref();
  }

  /** A line of the story: kept on screen (live) or printed with its time (plain, or before attach). */
  say(text: string): void {
    const line = `${this.stamp()} ${text}`;
    if (this.live && this.timer !== undefined) {
      this.events.push(line);
      if (this.events.length > this.eventsMax) this.events.shift();
    } else {
      this.out.write(`${line}\n`);
    }
  }

  /**
   * Stops redrawing; draws `state` a last time and prints `text` below. `lastDraw`: whether a
   * plain run prints its status line too, and whether nothing is drawn unless attached.
   */
  finish(state: S | undefined, text: string, lastDraw: { plainStatus: boolean; onlyIfAttached: boolean }): void {
    const wasAttached = this.timer !== undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (state !== undefined && (wasAttached || !lastDraw.onlyIfAttached)) {
      if (this.live) this.redraw(state);
      else if (lastDraw.plainStatus) this.plainStatus(state);
    }
    if (this.live) this.out.write('\x1b[?25h');
    this.out.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  stamp(): string {
    return `[+${formatNumber((this.nowMs() - this.startedMs) / 1000, 1).padStart(5)}s]`;
  }

  private plainStatus(state: S): void {
    const status = this.content.status(state);
    if (status === this.lastStatus) return;
    this.lastStatus = status;
    this.out.write(`${this.stamp()} ${status}\n`);
  }

  private redraw(state: S): void {
    const columns = Math.max(40, ((this.out as NodeJS.WriteStream).columns ?? 80) - 1);
    // Lines wrapped here, not by the terminal, so that the count of rows to go up is right.
    const rows = [...this.content.lines(state), '', ...this.events].flatMap((l) => wrap(l, columns));
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A\r` : '';
    this.out.write(`${up}\x1b[0J${rows.map((l) => `${l}\x1b[K`).join('\n')}\n`);
    this.drawnLines = rows.length;
  }
}
