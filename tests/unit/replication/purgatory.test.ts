import { createLogger } from '../../../src/common/logger';
import { DelayedOperation, DelayedOperationPurgatory } from '../../../src/replication/purgatory';
import { ManualScheduler } from '../../helpers/manual-scheduler';

class Waiter extends DelayedOperation {
  ready = false;
  outcome: 'completed' | 'expired' | undefined;
  private expired = false;
  completions = 0;
  constructor(delayMs: number) {
    super(delayMs);
  }
  tryComplete(): boolean {
    return this.ready && this.forceComplete();
  }
  protected override onExpiration(): void {
    this.expired = true;
  }
  protected onComplete(): void {
    this.completions++;
    this.outcome = this.expired ? 'expired' : 'completed';
  }
}

describe('DelayedOperationPurgatory', () => {
  const logger = createLogger('test', () => undefined);
  let scheduler: ManualScheduler;
  let purgatory: DelayedOperationPurgatory<Waiter>;
  beforeEach(() => {
    scheduler = new ManualScheduler();
    purgatory = new DelayedOperationPurgatory('Test', { operationsMax: 3, scheduler, logger });
  });

  it('completes at once when it can, without watching', () => {
    const op = new Waiter(100);
    op.ready = true;
    expect(purgatory.tryCompleteElseWatch(op, ['a'])).toBe(true);
    expect(op.outcome).toBe('completed');
    expect(purgatory.size).toBe(0);
    expect(scheduler.pending).toBe(0);
  });

  it('watches under every key and completes once when one of them is checked', () => {
    const op = new Waiter(100);
    expect(purgatory.tryCompleteElseWatch(op, ['a', 'b'])).toBe(false);
    expect(purgatory.checkAndComplete('a')).toBe(0);
    op.ready = true;
    expect(purgatory.checkAndComplete('b')).toBe(1);
    expect(purgatory.checkAndComplete('a')).toBe(0);
    expect(op.completions).toBe(1);
    expect(op.outcome).toBe('completed');
    expect(purgatory.size).toBe(0);
    expect(scheduler.pending).toBe(0);
  });

  it('expires an operation when its delay passes, exactly once', () => {
    const op = new Waiter(100);
    purgatory.tryCompleteElseWatch(op, ['a']);
    scheduler.advance(99);
    expect(op.outcome).toBeUndefined();
    scheduler.advance(1);
    expect(op.outcome).toBe('expired');
    op.ready = true;
    expect(purgatory.checkAndComplete('a')).toBe(0);
    expect(op.completions).toBe(1);
    expect(purgatory.size).toBe(0);
  });

  it('is bounded: past operationsMax, new operations expire at once', () => {
    const ops = [1, 2, 3].map(() => new Waiter(100));
    for (const op of ops) purgatory.tryCompleteElseWatch(op, ['a']);
    const extra = new Waiter(100);
    expect(purgatory.tryCompleteElseWatch(extra, ['a'])).toBe(true);
    expect(extra.outcome).toBe('expired');
    expect(purgatory.size).toBe(3);
    ops[0].ready = true;
    purgatory.checkAndComplete('a');
    const next = new Waiter(100);
    expect(purgatory.tryCompleteElseWatch(next, ['a'])).toBe(false);
  });

  it('shutdown answers every waiting operation', () => {
    const ops = [new Waiter(100), new Waiter(200)];
    purgatory.tryCompleteElseWatch(ops[0], ['a']);
    purgatory.tryCompleteElseWatch(ops[1], ['a', 'b']);
    purgatory.shutdown();
    expect(ops.map((o) => o.outcome)).toEqual(['expired', 'expired']);
    expect(ops.map((o) => o.completions)).toEqual([1, 1]);
    expect(purgatory.size).toBe(0);
  });
});
