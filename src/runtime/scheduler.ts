import type { Ordering } from './stage.js';

/**
 * Runs record tasks with bounded concurrency while honouring the stage's declared ordering:
 *   unordered  any task may run as soon as a slot is free;
 *   key        tasks with the same ordering key run one after another, in submission order;
 *   partition  tasks of the same partition run one after another.
 * A task waiting behind its key does not hold a slot, so a hot key cannot starve other keys.
 * `pending` counts every submitted task not yet finished (waiting or running): the runtime's "in flight".
 */
export class OrderedScheduler {
  private running = 0;
  private readonly ready: Array<() => void> = [];
  /** Per ordering key: tasks waiting for the key's current task to finish. */
  private readonly chains = new Map<string, Array<() => void>>();
  private pendingCount = 0;

  constructor(
    private readonly ordering: Ordering,
    private readonly concurrency: number,
  ) {}

  get pending(): number {
    return this.pendingCount;
  }
  get active(): number {
    return this.running;
  }

  /** The key that serialises a record, or undefined when it may run freely. */
  orderingKey(partition: number, key: string | null): string | undefined {
    if (this.ordering === 'partition') return `p${partition}`;
    if (this.ordering === 'key' && key !== null) return `k${partition}:${key}`;
    return undefined;
  }

  /** Submit a task; the returned promise settles with the task's result. Tasks must not throw (they resolve). */
  submit<T>(orderingKey: string | undefined, task: () => Promise<T>): Promise<T> {
    this.pendingCount++;
    return new Promise<T>((resolve) => {
      // finish() before resolve(): whoever awaits the task must already see it counted out of `pending`
      const start = () => this.whenSlot(() => {
        task().then(
          (v) => {
            this.finish(orderingKey);
            resolve(v);
          },
          () => {
            this.finish(orderingKey);
            resolve(undefined as T);
          },
        );
      });
      if (orderingKey === undefined) return start();
      const chain = this.chains.get(orderingKey);
      if (chain) chain.push(start);
      else {
        this.chains.set(orderingKey, []);
        start();
      }
    });
  }

  private whenSlot(run: () => void): void {
    if (this.running < this.concurrency) {
      this.running++;
      run();
    } else this.ready.push(run);
  }

  private finish(orderingKey: string | undefined): void {
    this.running--;
    this.pendingCount--;
    const next = this.ready.shift();
    if (next) {
      this.running++;
      next();
    }
    if (orderingKey !== undefined) {
      const chain = this.chains.get(orderingKey)!;
      const following = chain.shift();
      if (following) following();
      else this.chains.delete(orderingKey);
    }
  }
}
