import type { Logger } from 'pino';
import { classify, retriable, type PersonahubError } from '../errors.js';
import { backoffDelayMs, sleep } from './backoff.js';
import type { ConsumerPort, PreparedMessage, ProducerPort } from './ports.js';

export interface PartitionOffset {
  partition: number;
  offset: number;
}

/**
 * Publishes a round's outputs and moves the group's offsets. One interface, two delivery modes, so the runner
 * never branches on the mode (parallel-consumer's OffsetCommitter).
 *
 * `commit` resolves once outputs and offsets are durable. It rejects with:
 *   - retriable `kafka_txn_abort`: nothing of the round is visible (aborted) or, at-least-once, the offsets were
 *     not committed: the caller resets the round's partitions to their last committed offsets and redoes them;
 *   - fatal: the process must end.
 * Transient broker errors inside a round are waited out here (the broker may be away for minutes), reporting
 * each wait through `onWait` so readiness can say not-ready.
 */
export interface Committer {
  commit(messages: readonly PreparedMessage[], offsets: readonly PartitionOffset[], signal: AbortSignal): Promise<void>;
  /**
   * Start building the producer in the background (at stage start, alongside the group join), so the first round
   * does not pay for connecting and InitProducerId (measured: 0.3-0.4 s). A failure is left to the first round.
   */
  prepare(): void;
  close(): Promise<void>;
}

export interface CommitterDeps {
  /** Builds (and connects) the producer; called again to replace one that hit a fatal error. */
  newProducer(): Promise<ProducerPort>;
  consumer: ConsumerPort;
  logger: Logger;
  onWait(err: PersonahubError): void;
}

const RETRY = { initialDelayMs: 200, maxDelayMs: 5_000 };

/**
 * Exactly-once (EOS v2, KIP-447): one transactional producer per stage instance; every round is one transaction
 * holding the outputs of every partition's records below its watermark plus those watermarks as the group's
 * offsets, sent with the consumer's group metadata. A zombie (an instance whose membership expired) is fenced by
 * the coordinator when it sends offsets with a stale generation, so its transaction can only abort.
 *
 * Invariant: a transaction is committed only if every step of the round succeeded; after any failure before the
 * commit call the transaction is aborted (retrying the abort until the broker answers) and never committed later.
 * A commit call that times out is retried as is (librdkafka resumes it), since the offsets are already pending on
 * the coordinator: a new owner's stable offset fetch waits for the outcome.
 *
 * A producer that hits a fatal error (e.g. its epoch bumped after the transaction timed out during a long broker
 * outage) is replaced by a new one with a new transactional id; the round's partitions are redone.
 */
export class TransactionalCommitter implements Committer {
  private producer: ProducerPort | undefined;
  /** A producer being built (by prepare() or a round): shared, so there is never more than one. */
  private creating: Promise<ProducerPort> | undefined;
  private closed = false;

  constructor(private readonly d: CommitterDeps) {}

  private create(): Promise<ProducerPort> {
    return (this.creating ??= this.d.newProducer().then(
      async (p) => {
        this.creating = undefined;
        if (this.closed) {
          await p.disconnect().catch(() => undefined);
          throw retriable('kafka_txn_abort', 'committer closed');
        }
        this.producer = p;
        return p;
      },
      (e: unknown) => {
        this.creating = undefined;
        throw e;
      },
    ));
  }

  prepare(): void {
    if (!this.producer) this.create().catch(() => undefined);
  }

  private async ensureProducer(signal: AbortSignal): Promise<ProducerPort> {
    for (let attempt = 1; ; attempt++) {
      if (this.producer) return this.producer;
      try {
        await this.create();
      } catch (e) {
        const err = classify(e);
        if (err.kind === 'fatal' || signal.aborted) throw err;
        this.d.onWait(err);
        await sleep(backoffDelayMs(attempt, RETRY), signal);
      }
    }
  }

  async commit(messages: readonly PreparedMessage[], offsets: readonly PartitionOffset[], signal: AbortSignal): Promise<void> {
    const producer = await this.ensureProducer(signal);
    try {
      await producer.beginTransaction();
      producer.produce(messages);
      await producer.sendOffsets([...offsets]);
    } catch (e) {
      await this.abort(producer, e, signal);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await producer.commitTransaction();
        return;
      } catch (e) {
        const err = classify(e);
        if (err.code !== 'kafka_retriable' || signal.aborted) return this.abort(producer, err, signal);
        this.d.onWait(err);
        this.d.logger.warn({ attempt, err: err.message }, 'commit of the transaction timed out; retrying');
        await sleep(backoffDelayMs(attempt, RETRY), signal);
      }
    }
  }

  /** Abort the open transaction (retrying while the broker is away) and report the round as to be redone. */
  private async abort(producer: ProducerPort, cause: unknown, signal: AbortSignal): Promise<never> {
    const err = classify(cause);
    if (err.kind === 'fatal') {
      // The producer is unusable (fenced / fatal): drop it; the next round builds a new one. The open transaction
      // is aborted by the coordinator (new producer's id is new, so after transaction.timeout.ms).
      this.producer = undefined;
      await producer.disconnect().catch(() => undefined);
      if (err.code === 'fenced' || err.code === 'kafka_fatal') {
        throw retriable('kafka_txn_abort', `transactional producer failed (${err.message}); replaced, round redone`, { cause: err });
      }
      throw err;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await producer.abortTransaction();
        break;
      } catch (e) {
        const abortErr = classify(e);
        if (abortErr.kind === 'fatal') {
          this.producer = undefined;
          await producer.disconnect().catch(() => undefined);
          break;
        }
        if (signal.aborted) break;
        this.d.onWait(abortErr);
        await sleep(backoffDelayMs(attempt, RETRY), signal);
      }
    }
    throw retriable('kafka_txn_abort', `transaction aborted: ${err.message}`, { cause: err });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.creating?.catch(() => undefined);
    await this.producer?.disconnect();
    this.producer = undefined;
  }
}

/**
 * At-least-once: an idempotent producer; the round's outputs are produced and acknowledged, then the offsets are
 * committed. A crash between the two publishes the outputs again after restart (duplicates, never loss).
 */
export class AtLeastOnceCommitter implements Committer {
  private producer: ProducerPort | undefined;

  constructor(private readonly d: CommitterDeps) {}

  /** The idempotent producer is cheap to build and its first use tolerates a failed build: built on first use. */
  prepare(): void {}

  async commit(messages: readonly PreparedMessage[], offsets: readonly PartitionOffset[], signal: AbortSignal): Promise<void> {
    this.producer ??= await this.d.newProducer();
    try {
      this.producer.produce(messages);
      await this.producer.flush();
      await this.d.consumer.commitOffsets([...offsets]);
    } catch (e) {
      const err = classify(e);
      if (err.kind === 'fatal' && err.code !== 'kafka_fatal') throw err;
      if (!signal.aborted) this.d.onWait(err);
      throw retriable('kafka_txn_abort', `round not committed: ${err.message}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
    this.producer = undefined;
  }
}

/** The round failed as a whole and its partitions must be redone from their last committed offsets. */
export const isRedo = (e: unknown): boolean => classify(e).code === 'kafka_txn_abort';
