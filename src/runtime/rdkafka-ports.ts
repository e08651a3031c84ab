import type { KafkaConsumer, LibrdKafkaError, Producer } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { rdkafka, type KafkaClient, type RdConsumer, type RdProperties } from '../kafka/client.js';
import { classifyKafkaError } from '../kafka/errors.js';
import { toConsumedRecord } from '../kafka/message.js';
import { fatal } from '../errors.js';
import { backoffDelayMs, sleep } from './backoff.js';
import type { ConsumerPort, InputRecord, PreparedMessage, ProducerPort, RebalanceListener } from './ports.js';

const ERR_ASSIGN = -175; // RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS
const ERR_REVOKE = -174; // RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS
const OP_TIMEOUT_MS = 30_000;
/** ERR__UNKNOWN_TOPIC, UNKNOWN_TOPIC_OR_PART, INVALID_TOPIC_EXCEPTION. */
const TOPIC_ERROR_CODES = new Set([-188, 3, 17]);

export interface ConsumerPortOptions {
  client: KafkaClient;
  logger: Logger;
  groupId: string;
  topic: string;
  /** 'consumer' = KIP-848 protocol (broker-side assignment, incremental); 'classic' = cooperative-sticky. */
  groupProtocol: 'consumer' | 'classic';
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  fetchMaxWaitMs: number;
  /** read_committed (default) or read_uncommitted. */
  isolation?: 'read_committed' | 'read_uncommitted';
  clientId?: string;
}

/** Promisify a librdkafka callback API; errors are classified into the project's taxonomy at this edge. */
function call<T = void>(what: string, fn: (cb: (err: LibrdKafkaError | null | undefined, v?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    fn((err, v) => (err ? reject(classifyKafkaError(err, what)) : resolve(v as T)));
  });
}

/**
 * ConsumerPort on librdkafka's KafkaConsumer. Hazards handled here:
 *  - Rebalances arrive as a callback during poll(); librdkafka waits for the matching (incremental) assign or
 *    unassign call, which may come later. Assigned partitions are paused inside the callback, before any fetch,
 *    so no record of them is delivered until the runtime resumes them after restoring state.
 *  - Revocation is acknowledged (incrementalUnassign) only after the listener's promise settles.
 *  - With the classic protocol and an EAGER assignor librdkafka would use assign/unassign; we always configure
 *    cooperative-sticky, so the protocol is COOPERATIVE in both modes.
 */
export class RdKafkaConsumerPort implements ConsumerPort {
  private consumer: RdConsumer | undefined;
  private listener: RebalanceListener | undefined;
  private stopped = false;
  /** Revocations in progress: poll() waits for none (they settle asynchronously), but stop() does. */
  private readonly revocations = new Set<Promise<void>>();
  /** The chain that orders rebalance handling (see onRebalance). */
  private rebalances: Promise<void> = Promise.resolve();

  constructor(private readonly o: ConsumerPortOptions) {}

  private props(): RdProperties {
    const p: RdProperties = {
      'group.id': this.o.groupId,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'auto.offset.reset': 'earliest',
      'isolation.level': this.o.isolation ?? 'read_committed',
      'fetch.wait.max.ms': this.o.fetchMaxWaitMs,
      // Bound what librdkafka prefetches per partition: the runtime has its own in-flight bound.
      'queued.max.messages.kbytes': 16_384,
      'group.protocol': this.o.groupProtocol,
      rebalance_cb: (err: LibrdKafkaError, assignment: Array<{ topic: string; partition: number }>) => this.onRebalance(err, assignment),
      event_cb: true,
    };
    if (this.o.groupProtocol === 'classic') {
      p['partition.assignment.strategy'] = 'cooperative-sticky';
      p['session.timeout.ms'] = this.o.sessionTimeoutMs;
      p['heartbeat.interval.ms'] = this.o.heartbeatIntervalMs;
    }
    return this.o.client.properties({ ...(this.o.clientId ? { 'client.id': this.o.clientId } : {}), ...p });
  }

  async start(listener: RebalanceListener): Promise<void> {
    this.listener = listener;
    const consumer = (new (rdkafka().KafkaConsumer)(this.props() as never, {}) as RdConsumer);
    this.consumer = consumer;
    consumer.on('event.log', (e: { severity: number; fac: string; message: string }) => {
      if (e.severity <= 3) this.o.logger.warn({ fac: e.fac }, e.message);
      else this.o.logger.debug({ fac: e.fac }, e.message);
    });
    // Transient broker errors (all brokers down, transport failures) are reported here and retried by librdkafka.
    consumer.on('event.error', (e: LibrdKafkaError) => this.o.logger.debug({ code: e.code, fatal: e.isFatal }, `consumer: ${e.message}`));
    consumer.setDefaultConsumeTimeout(this.o.fetchMaxWaitMs);
    consumer.setDefaultIsTimeoutOnlyForFirstMessage(true);
    // A stage started while the broker is away waits for it (readiness says not-ready meanwhile); only a fatal
    // error (bad configuration) ends the start.
    await untilConnected('consumer', this.o.logger, () => call('consumer connect', (cb) => consumer.connect({ timeout: OP_TIMEOUT_MS }, (err) => cb(err))), () => this.stopped);
    consumer.subscribe([this.o.topic]);
  }

  /**
   * Rebalance events are handled strictly in order: an assignment waits until every earlier revocation has been
   * acknowledged (incremental unassign), or librdkafka refuses it as conflicting (ERR__CONFLICT: seen after a
   * broker outage, when a lost assignment is followed at once by a new one). Calls into librdkafka never throw
   * out of this callback: an exception here would end the process.
   */
  private onRebalance(err: LibrdKafkaError, assignment: Array<{ topic: string; partition: number }>): void {
    const consumer = this.consumer!;
    const partitions = assignment.filter((a) => a.topic === this.o.topic).map((a) => a.partition);
    const tps = partitions.map((partition) => ({ topic: this.o.topic, partition }));
    if (err.code === ERR_ASSIGN) {
      this.rebalances = this.rebalances.then(async () => {
        // Assign with explicit start offsets (the stable committed offset, else the log start): without one,
        // librdkafka may resume a partition this consumer owned before at the position it kept from then, past
        // records that were never committed (measured: a chaos run skipped whole partitions that way).
        const starts = await this.startOffsets(partitions);
        if (starts === undefined) return; // stopping
        const withOffsets = assignment.map((a) => (a.topic === this.o.topic ? { ...a, offset: starts.get(a.partition)! } : a));
        if (!this.guard('incremental assign', () => consumer.incrementalAssign(withOffsets))) return;
        if (tps.length > 0) this.guard('pause new partitions', () => consumer.pause(tps));
        this.listener!.assigned(partitions, starts);
      });
    } else if (err.code === ERR_REVOKE) {
      const lost = this.guard('assignment lost?', () => consumer.assignmentLost()) === true;
      const unassign = () => void this.guard('incremental unassign', () => consumer.incrementalUnassign(assignment));
      // A lost assignment is no longer ours: give it up at once (nothing may be committed for it anyway; a
      // transaction of ours still carrying its outputs is fenced by the coordinator), then forget its state.
      if (lost) unassign();
      const revoked = this.rebalances.then(() =>
        this.listener!.revoking(partitions, lost).catch((e: unknown) => this.o.logger.warn({ err: String(e) }, 'revocation handler failed')),
      );
      this.rebalances = lost ? revoked : revoked.then(unassign);
      this.revocations.add(this.rebalances);
      const settled = this.rebalances;
      void settled.then(() => this.revocations.delete(settled));
    } else {
      this.o.logger.warn({ code: err.code }, `rebalance error: ${err.message}`);
    }
  }

  /** Where each newly assigned partition starts: its stable committed offset, else the log start. Retried while the
   * broker is away; undefined when the consumer stops meanwhile. */
  private async startOffsets(partitions: number[]): Promise<Map<number, number> | undefined> {
    for (let attempt = 1; ; attempt++) {
      if (this.stopped) return undefined;
      try {
        const committed = await this.committed(partitions);
        const starts = new Map<number, number>();
        for (const p of partitions) starts.set(p, committed.get(p) ?? (await this.lowWatermark(p)));
        return starts;
      } catch (e) {
        const err = classifyKafkaError(e, 'start offsets');
        if (err.kind === 'fatal') throw err;
        this.o.logger.warn({ partitions, attempt, err: err.message }, 'start offsets of assigned partitions not readable yet; retrying');
        await sleep(backoffDelayMs(attempt, { initialDelayMs: 500, maxDelayMs: 10_000 }));
      }
    }
  }

  /** Run a librdkafka call that may throw (disconnected, conflicting state): log instead of throwing. */
  private guard<T>(what: string, fn: () => T): T | false {
    try {
      return fn();
    } catch (e) {
      this.o.logger.warn({ err: String(e), code: (e as { code?: number }).code }, `${what} failed`);
      return false;
    }
  }

  poll(max: number): Promise<InputRecord[]> {
    const consumer = this.consumer!;
    return new Promise((resolve, reject) => {
      consumer.consume(max, (err, messages) => {
        if (err) {
          const e = classifyKafkaError(err, 'consume');
          // Timeouts and transient errors: nothing to deliver this time.
          if (e.kind !== 'fatal') return resolve([]);
          return reject(e);
        }
        // One loop, one object per record (hot path).
        const out: InputRecord[] = [];
        for (const m of messages) if (m.topic === this.o.topic) out.push(toConsumedRecord(m, Date.now));
        resolve(out);
      });
    });
  }

  // pause/resume of a partition that was just taken away throws (not assigned): harmless, it is gone.
  pause(partitions: number[]): void {
    if (partitions.length > 0) this.guard('pause', () => this.consumer!.pause(partitions.map((partition) => ({ topic: this.o.topic, partition }))));
  }

  resume(partitions: number[]): void {
    if (partitions.length > 0) this.guard('resume', () => this.consumer!.resume(partitions.map((partition) => ({ topic: this.o.topic, partition }))));
  }

  seek(partition: number, offset: number): Promise<void> {
    return call('seek', (cb) => this.consumer!.seek({ topic: this.o.topic, partition, offset }, OP_TIMEOUT_MS, (err) => cb(err)));
  }

  async committed(partitions: number[]): Promise<Map<number, number | undefined>> {
    const list = await call<Array<{ partition: number; offset: number }>>('fetch committed offsets', (cb) =>
      this.consumer!.committed(partitions.map((partition) => ({ topic: this.o.topic, partition })), OP_TIMEOUT_MS, cb),
    );
    // librdkafka reports "no committed offset" as a negative logical offset (-1001 = INVALID).
    return new Map(list.map((tp) => [tp.partition, tp.offset >= 0 ? tp.offset : undefined]));
  }

  lowWatermark(partition: number): Promise<number> {
    return call<{ lowOffset: number }>('query watermarks', (cb) =>
      this.consumer!.queryWatermarkOffsets(this.o.topic, partition, OP_TIMEOUT_MS, cb as never),
    ).then((w) => w.lowOffset);
  }

  position(partition: number): number | undefined {
    try {
      const [p] = this.consumer!.position([{ topic: this.o.topic, partition }]);
      return p && p.offset >= 0 ? p.offset : undefined;
    } catch {
      return undefined;
    }
  }

  async commitOffsets(offsets: Array<{ partition: number; offset: number }>): Promise<void> {
    if (offsets.length === 0) return;
    try {
      this.consumer!.commitSync(offsets.map((o) => ({ topic: this.o.topic, partition: o.partition, offset: o.offset })));
    } catch (e) {
      throw classifyKafkaError(e, 'commit offsets');
    }
  }

  /** librdkafka's consumer object, for sendOffsetsToTransaction (group metadata). */
  get native(): RdConsumer {
    return this.consumer!;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.revocations]);
    const consumer = this.consumer;
    if (!consumer?.isConnected()) return;
    // disconnect() leaves the group (a final revocation runs through onRebalance) and closes the handle.
    await Promise.race([
      call('consumer disconnect', (cb) => consumer.disconnect((err) => cb(err))).catch(() => undefined),
      new Promise((r) => setTimeout(r, OP_TIMEOUT_MS).unref()),
    ]);
  }
}

/** Retry a connect while the failure is transient, with capped backoff; a fatal error or `stopped()` ends it. */
async function untilConnected(what: string, logger: Logger, connect: () => Promise<void>, stopped: () => boolean): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect();
    } catch (e) {
      const err = classifyKafkaError(e, `${what} connect`);
      if (err.kind === 'fatal' || stopped()) throw err;
      logger.warn({ attempt, err: err.message }, `${what}: broker not reachable; retrying`);
      await sleep(backoffDelayMs(attempt, { initialDelayMs: 500, maxDelayMs: 10_000 }));
    }
  }
}

export interface ProducerPortOptions {
  client: KafkaClient;
  logger: Logger;
  /** Present: a transactional producer (EOS v2: one per stage instance). Absent: idempotent (at-least-once). */
  transactionalId?: string;
  transactionTimeoutMs: number;
  /** The consumer whose group metadata goes with the offsets, and its (physical) input topic. */
  consumer: () => KafkaConsumer;
  inputTopic: string;
  clientId?: string;
}

/**
 * ProducerPort on librdkafka's Producer. Under EOS the transactional id belongs to the stage instance, not to a
 * partition (KIP-447: zombies are fenced by the consumer group generation sent with the offsets). Initialising it
 * aborts whatever an earlier process with the same id left open; a killed process' open transaction is otherwise
 * aborted by the coordinator after `transaction.timeout.ms`, and until then a new owner's stable offset fetch waits.
 */
export class RdKafkaProducerPort implements ProducerPort {
  private producer: Producer | undefined;
  private deliveryErrors: LibrdKafkaError[] = [];

  constructor(private readonly o: ProducerPortOptions) {}

  async connect(): Promise<void> {
    const props: RdProperties = {
      'enable.idempotence': true,
      acks: 'all',
      'linger.ms': 2,
      partitioner: 'murmur2_random',
      'message.timeout.ms': 300_000,
      dr_cb: !this.o.transactionalId,
      event_cb: true,
    };
    if (this.o.transactionalId) {
      props['transactional.id'] = this.o.transactionalId;
      props['transaction.timeout.ms'] = this.o.transactionTimeoutMs;
    }
    const producer = new (rdkafka().Producer)(this.o.client.properties({ ...(this.o.clientId ? { 'client.id': this.o.clientId } : {}), ...props }) as never, {});
    this.producer = producer;
    producer.on('event.log', (e: { severity: number; fac: string; message: string }) => {
      if (e.severity <= 3) this.o.logger.warn({ fac: e.fac }, e.message);
    });
    producer.on('event.error', (e: LibrdKafkaError) => this.o.logger.debug({ code: e.code, fatal: e.isFatal }, `producer: ${e.message}`));
    if (!this.o.transactionalId) {
      producer.on('delivery-report', (err: LibrdKafkaError | null) => {
        if (err) this.deliveryErrors.push(err);
      });
      producer.setPollInterval(20);
    }
    try {
      await call('producer connect', (cb) => producer.connect({ timeout: OP_TIMEOUT_MS }, (err) => cb(err)));
      if (this.o.transactionalId) await call('init transactions', (cb) => producer.initTransactions(OP_TIMEOUT_MS, cb));
    } catch (e) {
      // The caller retries with a new producer: this one must not linger with its threads and sockets.
      await this.disconnect().catch(() => undefined);
      throw e;
    }
  }

  produce(messages: readonly PreparedMessage[]): void {
    const producer = this.producer!;
    // One timestamp per batch: the messages of a round are queued within microseconds of each other.
    const now = Date.now();
    for (const m of messages) {
      // Headers as librdkafka's list of one-key objects; none at all for a message without headers (most).
      let headers: Array<Record<string, string>> | undefined;
      for (const k in m.headers) (headers ??= []).push({ [k]: m.headers[k]! });
      // A Buffer, not the string: the binding copies a string key through a C string (cut at a NUL byte).
      const key = m.key === null ? null : Buffer.isBuffer(m.key) ? m.key : Buffer.from(m.key);
      try {
        producer.produce(m.topic, m.partition ?? null, m.value, key, now, undefined, headers);
      } catch (e) {
        // A topic the cluster does not have (or rejects) is a deployment error, not an outage: the round fails and
        // counts towards the runner's consecutive-failure limit instead of being retried as a broker hiccup.
        const code = (e as { code?: number }).code;
        if (code !== undefined && TOPIC_ERROR_CODES.has(code)) throw fatal('kafka_fatal', `produce to ${m.topic}: ${(e as Error).message}`, { cause: e });
        throw classifyKafkaError(e, `produce to ${m.topic}`);
      }
    }
  }

  async flush(): Promise<void> {
    await call('flush', (cb) => this.producer!.flush(OP_TIMEOUT_MS, (err) => cb(err)));
    const errors = this.deliveryErrors;
    this.deliveryErrors = [];
    if (errors.length > 0) throw classifyKafkaError(errors[0], `${errors.length} message(s) not delivered`);
  }

  beginTransaction(): Promise<void> {
    return call('begin transaction', (cb) => this.producer!.beginTransaction(cb));
  }

  sendOffsets(offsets: Array<{ partition: number; offset: number }>): Promise<void> {
    const consumer = this.o.consumer();
    return call('send offsets to transaction', (cb) =>
      this.producer!.sendOffsetsToTransaction(
        offsets.map((o) => ({ topic: this.o.inputTopic, partition: o.partition, offset: o.offset })),
        consumer,
        OP_TIMEOUT_MS,
        cb,
      ),
    );
  }

  commitTransaction(): Promise<void> {
    return call('commit transaction', (cb) => this.producer!.commitTransaction(OP_TIMEOUT_MS, cb));
  }

  abortTransaction(): Promise<void> {
    return call('abort transaction', (cb) => this.producer!.abortTransaction(OP_TIMEOUT_MS, cb));
  }

  async disconnect(): Promise<void> {
    const producer = this.producer;
    if (!producer?.isConnected()) return;
    await Promise.race([
      call('producer disconnect', (cb) => producer.disconnect(5_000, (err) => cb(err))).catch(() => undefined),
      new Promise((r) => setTimeout(r, 10_000).unref()),
    ]);
  }
}
