import type { Logger } from 'pino';
import type { KafkaClient, Producer } from '../../kafka/client.js';
import { followTopic } from '../../kafka/follow-topic.js';
import type { BudgetBook } from './book.js';
import type { BudgetLimit } from './config.js';
import { LedgerRecord, limitKey, spendKey, type LimitRecord, type SpendRecord } from './ledger-record.js';

/**
 * The spend ledger on a compacted topic: every instance publishes its own cumulative spend per budget (every
 * flushMs, only what changed) and follows everyone's, through the one read-to-end helper. Raised limits are
 * records on the same topic, so `personahub budget set` reaches every instance.
 *
 * Hazards: spend is cumulative per instance id (random per process), so a record lost or compacted never loses
 * spend already superseded; a process that dies before its last flush under-reports at most flushMs of its spend.
 * A value that is not a ledger record is ignored (never repaired).
 */
export class KafkaSpendLedger {
  private readonly stop = new AbortController();
  private producer: Promise<Producer> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private loaded: Promise<void> | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly o: { client: KafkaClient; topic: string; book: BudgetBook; flushMs: number; logger: Logger },
  ) {}

  /** Start following; resolves once everything on the topic when called has been applied. */
  start(): Promise<void> {
    return (this.loaded ??= this.load());
  }

  private async load(): Promise<void> {
    const { follower } = await followTopic({
      client: this.o.client,
      topic: this.o.topic,
      holds: 'LLM spend ledger',
      configKey: 'llm.budgets.topic',
      // Another instance's spend must arrive fast: the wait here is part of the cross-instance overshoot.
      fetchWaitMaxMs: 10,
      signal: this.stop.signal,
      onRecord: (r) => {
        if (!r.value) return;
        try {
          const parsed = LedgerRecord.safeParse(JSON.parse(r.value.toString('utf8')));
          if (parsed.success) this.o.book.apply(parsed.data);
        } catch {
          // not JSON: ignored
        }
      },
    });
    follower.catch((e: unknown) => {
      if (!this.stop.signal.aborted) this.o.logger.warn({ err: String(e) }, 'spend ledger follower stopped');
    });
    // Connect the producer before anything is admitted: a first flush that has to connect would leave this
    // instance's early spend unpublished for as long as that takes.
    await this.producerReady();
    this.o.book.subscribe(() => this.schedule());
  }

  /**
   * Publish soon after spend changes: at most one flush per flushMs, the first as soon as the event loop turns
   * (so a burst of admissions becomes one write, and another instance sees it a produce + fetch later).
   */
  private schedule(): void {
    if (this.timer || this.stop.signal.aborted) return;
    const wait = Math.max(0, this.lastFlush + this.o.flushMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastFlush = Date.now();
      void this.flush();
    }, wait);
    this.timer.unref();
  }
  private lastFlush = 0;

  private async producerReady(): Promise<Producer> {
    return (this.producer ??= (async () => {
      const p = this.o.client.producer({ idempotent: true });
      await p.connect();
      return p;
    })());
  }

  /** Publish this instance's cumulative spend of every budget that changed. Serialised. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const dirty = this.o.book.takeDirty();
      if (dirty.length === 0) return;
      const at = new Date().toISOString();
      const messages = dirty.map((budget) => {
        const s = this.o.book.own(budget);
        const rec: SpendRecord = { kind: 'spend', budget, instance: this.o.book.instance, ...s, at };
        return { key: spendKey(budget, this.o.book.instance), value: JSON.stringify(rec) };
      });
      try {
        await (await this.producerReady()).send({ topic: this.o.topic, messages });
      } catch (e) {
        this.o.logger.warn({ err: String(e) }, 'spend ledger write failed; retried with the next flush');
        this.o.book.add(dirty, {}); // mark dirty again
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    await this.flush().catch(() => undefined);
    this.stop.abort();
    const p = await this.producer?.catch(() => undefined);
    await p?.disconnect().catch(() => undefined);
  }
}

/** `personahub budget set`: publish a raised (or lowered) limit for every instance. */
export async function publishLimit(client: KafkaClient, topic: string, budget: string, limit: BudgetLimit): Promise<void> {
  const p = client.producer({ idempotent: true });
  await p.connect();
  try {
    const rec: LimitRecord = { kind: 'limit', budget, limit, at: new Date().toISOString() };
    await p.send({ topic, messages: [{ key: limitKey(budget), value: JSON.stringify(rec) }] });
  } finally {
    await p.disconnect();
  }
}
