import type { Admin, Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { createKafka, createProducer } from '../kafka/client.js';
import { classify, fatal, type PersonahubError } from '../errors.js';
import { dlqTopic } from '../contracts/dlq.js';
import type { Metrics } from '../metrics/catalogue.js';
import { RuntimeConfig } from './config.js';
import type { RecordMeta, Stage } from './stage.js';
import type { RuntimeDeps, StageHandle } from './types.js';
import { PartitionTracker } from './offset-tracker.js';
import { OrderedScheduler } from './scheduler.js';
import { PartitionState } from './partition-state.js';
import { processRecord, type PreparedMessage, type RecordProcessorDeps, type RecordResult } from './record-processor.js';
import { backoffDelayMs, sleep } from './backoff.js';

const LAG_INTERVAL_MS = 5_000;
/** How long a batch waits for capacity before the partition is paused and the batch's rest re-fetched later. */
const HANDOFF_WAIT_MS = 1_000;
const INIT_ATTEMPTS = 5;
const MAX_CONSECUTIVE_TX_FAILURES = 5;

/**
 * Runs one stage: a kafkajs consumer (eachBatch, no auto-commit), an ordered scheduler with bounded concurrency,
 * per-partition offset trackers, and a commit loop.
 *
 * Exactly-once (EOS v1, since kafkajs has no KIP-447): one transactional producer per assigned input partition,
 * transactional id `<groupId>.tx.<topic>.<partition>`. On assignment the producer is initialised FIRST (this fences
 * any zombie owner and completes or aborts its pending transaction), and only THEN is the committed offset read:
 * reading it earlier could miss the zombie's last committed transaction and process its records twice.
 * Every commit round publishes, per partition, the outputs of the records below the contiguous watermark and the
 * watermark itself as the group's offset, in one transaction. A failed transaction resets the partition: in-flight
 * work is aborted, the producer re-initialised, the committed offset re-read and the consumer seeks to it.
 *
 * At-least-once: one idempotent producer; each round produces the outputs, then commits the offsets.
 */
export class StageRunner {
  private readonly cfg: RuntimeConfig;
  private readonly logger: Logger;
  private readonly metrics: Metrics;
  private readonly kafka: Kafka;
  private readonly groupId: string;
  private readonly inputTopic: string;
  private readonly processorDeps: RecordProcessorDeps;
  private readonly scheduler: OrderedScheduler;
  private readonly partitions = new Map<number, PartitionState>();
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private sharedProducer: Producer | undefined;
  private epochCounter = 0;
  private paused = false;
  private running = false;
  private assigned = false;
  private stopping: Promise<void> | undefined;
  private fatalError: PersonahubError | undefined;
  private commitLoop: Promise<void> | undefined;
  private lagLoop: Promise<void> | undefined;
  private readonly stopSignal = new AbortController();
  private readonly idle = new Set<() => void>();
  private readonly capacity = new Set<() => void>();
  /** Consecutive failed transactions per partition (reset by a successful one). */
  private readonly txFailures = new Map<number, number>();
  private resolveReady!: () => void;
  private rejectReady!: (e: unknown) => void;
  private readonly readyP: Promise<void>;
  private resolveDone!: () => void;
  private rejectDone!: (e: unknown) => void;
  private readonly doneP: Promise<void>;

  constructor(
    private readonly stage: Stage<unknown>,
    private readonly deps: RuntimeDeps,
  ) {
    this.cfg = RuntimeConfig.parse({ ...deps.config.runtime, ...deps.runtime });
    this.logger = deps.logger.child({ stage: stage.name });
    this.metrics = deps.metrics;
    const prefix = deps.topicPrefix ?? '';
    this.groupId = deps.groupId ?? `${prefix}personahub.${stage.name}`;
    this.inputTopic = prefix + stage.input.topic;
    this.kafka = deps.kafka ?? createKafka(deps.config.kafka, { logger: this.logger, clientId: `personahub-${stage.name}` });
    this.scheduler = new OrderedScheduler(stage.ordering, this.cfg.maxInFlight);
    this.processorDeps = {
      stage,
      codec: deps.codec,
      metrics: deps.metrics,
      logger: this.logger,
      retry: this.cfg.retry,
      physical: (t) => prefix + t,
      dlqTopic: dlqTopic(this.inputTopic, stage.name),
    };
    this.primeCounters();
    this.readyP = new Promise((res, rej) => ((this.resolveReady = res), (this.rejectReady = rej)));
    this.readyP.catch(() => undefined);
    this.doneP = new Promise((res, rej) => ((this.resolveDone = res), (this.rejectDone = rej)));
    this.doneP.catch(() => undefined);
  }

  /**
   * Export this stage's known label sets at 0 from the start. A labelled counter otherwise appears only at its
   * first increment, and Prometheus' rate()/increase() cannot see that first step: a short run would show its
   * first dead letters or outputs as 0/s.
   */
  private primeCounters(): void {
    const stage = this.stage.name;
    this.metrics.recordsIn.inc({ stage, topic: this.stage.input.topic }, 0);
    for (const topic of Object.keys(this.stage.outputs)) this.metrics.recordsOut.inc({ stage, topic }, 0);
    this.metrics.recordsFiltered.inc({ stage, reason: 'stage' }, 0);
    for (const code of ['decode_failed', 'schema_invalid'] as const) this.metrics.recordsDeadLettered.inc({ stage, code }, 0);
    this.metrics.transactions.inc({ stage, outcome: 'committed' }, 0);
  }

  private get eos(): boolean {
    return this.cfg.delivery === 'exactly-once';
  }

  handle(): StageHandle {
    return {
      stage: this.stage.name,
      groupId: this.groupId,
      ready: this.readyP,
      isReady: () => this.running && this.assigned,
      stop: () => this.stop(),
      done: this.doneP,
    };
  }

  async start(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    if (!this.eos) {
      this.sharedProducer = createProducer(this.kafka, { idempotent: true, maxInFlightRequests: 1 });
      await this.sharedProducer.connect();
    }
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      maxBytesPerPartition: 1024 * 1024,
      // Our eachBatch returns quickly (records are handed to the scheduler), so heartbeats are not starved.
      sessionTimeout: this.cfg.sessionTimeoutMs,
      heartbeatInterval: this.cfg.heartbeatIntervalMs,
      rebalanceTimeout: 60_000,
      // kafkajs sleeps this long when every partition is paused: it bounds the delay of resume().
      maxWaitTimeInMs: this.cfg.fetchMaxWaitMs,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.onGroupJoin(e.payload.memberAssignment[this.inputTopic] ?? []).catch((err: unknown) => this.fail(classify(err)));
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => this.onEmptyBatch(e.payload));
    consumer.on(consumer.events.CRASH, (e) => {
      // kafkajs restarts itself on retriable crashes; a non-retriable crash ends the consumer for good.
      if (!e.payload.restart) this.fail(fatal('kafka_fatal', `consumer crashed: ${e.payload.error.message}`, { cause: e.payload.error }));
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [this.inputTopic], fromBeginning: true });
    this.running = true;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.commitLoop = this.runCommitLoop();
    this.lagLoop = this.runLagLoop();
    this.logger.info({ groupId: this.groupId, topic: this.inputTopic, delivery: this.cfg.delivery }, 'stage started');
  }

  // ---- assignment ------------------------------------------------------------------------------------------

  private async onGroupJoin(assignment: number[]): Promise<void> {
    this.metrics.rebalances.inc({ stage: this.stage.name });
    const now = new Set(assignment);
    const revoked = [...this.partitions.keys()].filter((p) => !now.has(p));
    for (const p of revoked) await this.dropPartition(p);
    const added = assignment.filter((p) => !this.partitions.has(p));
    const states = added.map((p) => this.ensurePartition(p));
    await Promise.all(states.map((s) => s.ready));
    this.assigned = true;
    this.resolveReady();
    this.logger.info({ assignment, revoked, added }, 'assignment');
  }

  /** The partition's current state, created (and initialised asynchronously) if missing. */
  private ensurePartition(partition: number): PartitionState {
    const existing = this.partitions.get(partition);
    if (existing) return existing;
    const state = new PartitionState(partition, ++this.epochCounter);
    this.partitions.set(partition, state);
    state.ready = this.initPartitionWithRetry(state);
    state.ready.catch((e: unknown) => this.fail(classify(e)));
    return state;
  }

  /** Broker hiccups during assignment (coordinator moving, CONCURRENT_TRANSACTIONS) are retried, not fatal. */
  private async initPartitionWithRetry(state: PartitionState): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.initPartition(state);
      } catch (e) {
        const err = classify(e);
        if (err.kind !== 'retriable' || attempt >= INIT_ATTEMPTS || state.closed) throw err;
        this.logger.warn({ partition: state.partition, attempt, err: err.message }, 'partition init failed; retrying');
        await state.producer?.disconnect().catch(() => undefined);
        state.producer = undefined;
        await sleep(backoffDelayMs(attempt, { initialDelayMs: 500, maxDelayMs: 5_000 }), state.abort.signal);
      }
    }
  }

  private async initPartition(state: PartitionState): Promise<void> {
    if (this.eos) {
      const producer = createProducer(this.kafka, {
        transactionalId: `${this.groupId}.tx.${this.inputTopic}.${state.partition}`,
        idempotent: true,
        maxInFlightRequests: 1,
        transactionTimeout: 60_000,
      });
      // connect() runs InitProducerId for the transactional id: fences the previous owner (must precede the read below)
      await producer.connect();
      state.producer = producer;
    }
    const committed = await this.fetchCommitted(state.partition);
    if (state.closed) return;
    // Stateful stages restore from their changelog here: read_committed, so exactly the state of committed input.
    await this.stage.onAssigned?.([state.partition]);
    if (state.closed) return;
    state.tracker = new PartitionTracker<RecordResult>(state.epoch, committed);
    this.metrics.committedOffset.set({ stage: this.stage.name, topic: this.stage.input.topic, partition: String(state.partition) }, committed);
    // Position the consumer exactly at the committed offset: after a reset it may be ahead (records we dropped).
    this.consumer?.seek({ topic: this.inputTopic, partition: state.partition, offset: String(committed) });
  }

  private async fetchCommitted(partition: number): Promise<number> {
    const [topicOffsets] = await this.admin!.fetchOffsets({ groupId: this.groupId, topics: [this.inputTopic] });
    const entry = topicOffsets?.partitions.find((p) => p.partition === partition);
    const offset = Number(entry?.offset ?? -1);
    if (offset >= 0) return offset;
    // no committed offset yet: start from the beginning of the log (fromBeginning)
    const bounds = await this.admin!.fetchTopicOffsets(this.inputTopic);
    return Number(bounds.find((b) => b.partition === partition)?.low ?? 0);
  }

  /**
   * Forget a partition: abort its work, drop its uncommitted results, close its producer, and let a stateful stage
   * forget state built from records that were never committed (it is restored again on the next assignment).
   */
  private async dropPartition(partition: number): Promise<void> {
    const state = this.partitions.get(partition);
    if (!state) return;
    this.partitions.delete(partition);
    state.closed = true;
    state.abort.abort();
    await state.ready.catch(() => undefined);
    await state.producer?.disconnect().catch(() => undefined);
    await this.stage.onRevoked?.([partition]);
    this.updateGauges();
  }

  /** A transaction failed (fenced, or a broker error mid-transaction): start the partition over from its committed offset. */
  private async resetPartition(partition: number, reason: unknown): Promise<void> {
    this.logger.warn({ partition, err: String(reason) }, 'resetting partition after a failed commit');
    await this.dropPartition(partition);
    if (this.running) await this.ensurePartition(partition).ready;
  }

  // ---- consuming -------------------------------------------------------------------------------------------

  private async onBatch({ batch, resolveOffset, isRunning, isStale, heartbeat }: EachBatchPayload): Promise<void> {
    if (this.stopping || batch.topic !== this.inputTopic) return;
    const state = this.ensurePartition(batch.partition);
    // A stateful stage may restore for longer than the session timeout: keep heartbeating while waiting
    // (kafkajs only heartbeats between batches or when asked to).
    let settled = false;
    // (a failed init already stopped the stage through fail(); the tracker check below then skips the batch)
    const ready = state.ready.then(
      () => void (settled = true),
      () => void (settled = true),
    );
    while (!settled) {
      const tick = new AbortController();
      await Promise.race([ready, sleep(this.cfg.heartbeatIntervalMs, tick.signal)]);
      tick.abort();
      if (!settled) await heartbeat();
    }
    // After awaiting, the partition may have been revoked/reset, or a seek may be pending: this batch is stale.
    if (state.closed || !state.tracker || !isRunning() || isStale() || this.stopping) return;
    let handedOver = 0;
    for (const m of batch.messages) {
      // Backpressure: stop handing over at the bound and pause. The rest of the batch stays unresolved, so
      // kafkajs fetches it again from the last resolved offset after resume() (kafkajs 2.x fetches a partition's
      // next batch only after eachBatch returned, so no later batch can arrive past this gap).
      if (this.overLimit()) {
        // Keep the batch for a short while if capacity frees up soon (no re-fetch); else pause and give it back.
        const waited = new AbortController();
        await Promise.race([new Promise<void>((r) => this.capacity.add(r)), sleep(HANDOFF_WAIT_MS, waited.signal)]);
        waited.abort();
        await heartbeat();
        if (state.closed || !isRunning() || isStale() || this.stopping) break;
        if (this.overLimit()) {
          this.pauseInput();
          break;
        }
      }
      const offset = Number(m.offset);
      resolveOffset(m.offset);
      handedOver++;
      if (!state.tracker.begin(offset)) continue;
      this.metrics.recordsIn.inc({ stage: this.stage.name, topic: this.stage.input.topic });
      const meta: RecordMeta = {
        topic: this.inputTopic,
        partition: batch.partition,
        offset: m.offset,
        key: m.key ? m.key.toString('utf8') : null,
        timestamp: m.timestamp,
        headers: headersToStrings(m.headers),
      };
      const orderingKey = this.scheduler.orderingKey(batch.partition, meta.key);
      void this.scheduler
        .submit(orderingKey, () => this.runRecord(state, { meta, key: m.key, value: m.value }, offset))
        .then(() => this.afterChange())
        .catch((e: unknown) => this.fail(classify(e)));
    }
    // The whole batch was handed over: offsets after its last record that carry no record for us (transaction
    // markers, aborted records) are trivially complete, so the committed offset can pass them. Without this a
    // drained exactly-once consumer keeps a residual "lag" of one marker per upstream transaction.
    if (handedOver === batch.messages.length && !state.closed && state.tracker) state.tracker.skipTo(Number(batch.lastOffset()) + 1);
    this.afterChange();
  }

  /**
   * kafkajs never calls eachBatch for a fetch that held only control records (transaction markers); it resolves
   * them itself and reports the batch through END_BATCH_PROCESS with batchSize 0. Record the skipped offsets so
   * the commit position moves past them (only when nothing of ours is waiting below them: see skipTo).
   */
  private onEmptyBatch(payload: { topic: string; partition: number; batchSize: number; lastOffset: string }): void {
    if (payload.topic !== this.inputTopic || payload.batchSize !== 0) return;
    const state = this.partitions.get(payload.partition);
    if (!state || state.closed || !state.tracker) return;
    state.tracker.skipTo(Number(payload.lastOffset) + 1);
  }

  private async runRecord(state: PartitionState, rec: Parameters<typeof processRecord>[1], offset: number): Promise<void> {
    if (state.closed) return;
    this.updateGauges();
    let result: RecordResult | undefined;
    try {
      result = await processRecord(this.processorDeps, rec, state.abort.signal);
    } catch (e) {
      this.fail(classify(e));
      return;
    }
    if (!result || state.closed || !state.tracker) return;
    state.tracker.complete(offset, result, Math.max(1, result.messages.length));
  }

  // ---- backpressure ----------------------------------------------------------------------------------------

  private bufferedTotal(): number {
    let n = 0;
    for (const s of this.partitions.values()) n += s.tracker?.buffered ?? 0;
    return n;
  }

  private overLimit(): boolean {
    return this.scheduler.pending >= this.cfg.maxInFlight || this.bufferedTotal() >= this.cfg.maxBufferedOutputs;
  }

  /** Backpressure: stop fetching the input until `afterChange` sees both bounds respected again. */
  private pauseInput(): void {
    if (this.paused || !this.consumer) return;
    try {
      this.consumer.pause([{ topic: this.inputTopic }]);
    } catch (e) {
      this.logger.warn({ err: String(e) }, 'pause failed (consumer restarting?)');
      return;
    }
    this.paused = true;
    this.metrics.pausedPartitions.set({ stage: this.stage.name }, this.partitions.size);
  }

  /** Called after every hand-off, completion and commit: resume fetching, update gauges, wake waiters. */
  private afterChange(): void {
    this.updateGauges();
    const over = this.overLimit();
    if (!over && this.paused && this.consumer && !this.stopping) {
      this.paused = false;
      try {
        this.consumer.resume([{ topic: this.inputTopic }]);
      } catch (e) {
        this.logger.warn({ err: String(e) }, 'resume failed (consumer restarting?)');
      }
    }
    this.metrics.pausedPartitions.set({ stage: this.stage.name }, this.paused ? this.partitions.size : 0);
    if (this.scheduler.pending === 0) for (const wake of this.idle) wake();
    if (!over) {
      for (const wake of this.capacity) wake();
      this.capacity.clear();
    }
  }

  private updateGauges(): void {
    this.metrics.inFlight.set({ stage: this.stage.name }, this.scheduler.pending);
    this.metrics.bufferedOutputs.set({ stage: this.stage.name }, this.bufferedTotal());
  }

  // ---- committing ------------------------------------------------------------------------------------------

  private async runCommitLoop(): Promise<void> {
    while (this.running) {
      await sleep(this.cfg.commitIntervalMs, this.stopSignal.signal);
      if (!this.running) break;
      try {
        await this.commitRound();
      } catch (e) {
        // a round that throws (e.g. a partition reset whose re-initialisation failed) must not kill the loop
        const err = classify(e);
        if (err.kind === 'fatal') return this.fail(err);
        this.logger.warn({ err: err.message }, 'commit round failed; retrying next round');
      }
    }
  }

  /** One round: every partition with something committable publishes it (EOS: one transaction per partition). */
  async commitRound(): Promise<void> {
    const states = [...this.partitions.values()].filter((s) => !s.closed && s.tracker?.hasCommittable());
    if (this.eos) await Promise.all(states.map((s) => this.commitTransactional(s)));
    else if (states.length > 0) await this.commitAtLeastOnce(states);
    this.afterChange();
  }

  private async commitTransactional(state: PartitionState): Promise<void> {
    const tracker = state.tracker!;
    const { watermark, results } = tracker.committable();
    const producer = state.producer!;
    let tx: Awaited<ReturnType<Producer['transaction']>> | undefined;
    try {
      tx = await producer.transaction();
      const messages = results.flatMap((r) => r.messages);
      if (messages.length > 0) await tx.sendBatch({ topicMessages: groupByTopic(messages) });
      await tx.sendOffsets({
        consumerGroupId: this.groupId,
        topics: [{ topic: this.inputTopic, partitions: [{ partition: state.partition, offset: String(watermark) }] }],
      });
      if (state.closed) throw fatal('fenced', 'partition revoked during the transaction');
      await tx.commit();
    } catch (e) {
      this.metrics.transactions.inc({ stage: this.stage.name, outcome: 'aborted' });
      if (tx?.isActive()) await tx.abort().catch(() => undefined);
      if (state.closed) return;
      // A transaction that keeps failing (missing DLQ/output topic, authorisation) would re-do the same work
      // forever, paying for every LLM call again: after a few consecutive failures the stage stops instead.
      const failures = (this.txFailures.get(state.partition) ?? 0) + 1;
      this.txFailures.set(state.partition, failures);
      if (failures >= MAX_CONSECUTIVE_TX_FAILURES) {
        return this.fail(fatal('kafka_fatal', `${failures} consecutive transactions failed on ${this.inputTopic}[${state.partition}]: ${(e as Error).message}`, { cause: e }));
      }
      await this.resetPartition(state.partition, e);
      return;
    }
    this.txFailures.delete(state.partition);
    this.metrics.transactions.inc({ stage: this.stage.name, outcome: 'committed' });
    this.recordCommitted(state, watermark, results);
  }

  private async commitAtLeastOnce(states: PartitionState[]): Promise<void> {
    const rounds = states.map((s) => ({ s, ...s.tracker!.committable() }));
    try {
      const messages = rounds.flatMap((r) => r.results.flatMap((x) => x.messages));
      if (messages.length > 0) await this.sharedProducer!.sendBatch({ topicMessages: groupByTopic(messages) });
      const live = rounds.filter((r) => !r.s.closed);
      await this.consumer!.commitOffsets(
        live.map((r) => ({ topic: this.inputTopic, partition: r.s.partition, offset: String(r.watermark) })),
      );
    } catch (e) {
      // Outputs may be published twice (at-least-once); the next round retries from the same watermark.
      this.metrics.transactions.inc({ stage: this.stage.name, outcome: 'failed' });
      this.logger.warn({ err: String(e) }, 'commit round failed; will retry');
      return;
    }
    this.metrics.transactions.inc({ stage: this.stage.name, outcome: 'committed' });
    for (const r of rounds) this.recordCommitted(r.s, r.watermark, r.results);
  }

  private recordCommitted(state: PartitionState, watermark: number, results: RecordResult[]): void {
    state.tracker!.commitSucceeded(watermark);
    const stage = this.stage.name;
    for (const r of results) {
      if (r.outcome === 'dead_lettered') this.metrics.recordsDeadLettered.inc({ stage, code: r.deadLetterCode ?? 'internal' });
      else for (const m of r.messages) this.metrics.recordsOut.inc({ stage, topic: m.logicalTopic });
    }
    this.metrics.committedOffset.set({ stage, topic: this.stage.input.topic, partition: String(state.partition) }, watermark);
  }

  private async runLagLoop(): Promise<void> {
    while (this.running) {
      try {
        const highs = await this.admin!.fetchTopicOffsets(this.inputTopic);
        for (const s of this.partitions.values()) {
          const high = Number(highs.find((h) => h.partition === s.partition)?.high ?? 0);
          if (s.tracker) {
            this.metrics.consumerLag.set(
              { stage: this.stage.name, topic: this.stage.input.topic, partition: String(s.partition) },
              Math.max(0, high - s.tracker.committed),
            );
          }
        }
      } catch (e) {
        this.logger.debug({ err: String(e) }, 'lag poll failed');
      }
      await sleep(LAG_INTERVAL_MS, this.stopSignal.signal);
    }
  }

  // ---- stopping --------------------------------------------------------------------------------------------

  private fail(err: PersonahubError): void {
    if (err.kind !== 'fatal') {
      this.logger.error({ err: err.message, code: err.code }, 'unexpected runtime error; stopping');
    }
    this.fatalError ??= err;
    void this.stop();
  }

  /** Stop fetching, drain in-flight work (bounded), commit, disconnect. Idempotent. */
  stop(): Promise<void> {
    return (this.stopping ??= this.doStop());
  }

  private async doStop(): Promise<void> {
    this.logger.info({ inFlight: this.scheduler.pending, fatal: this.fatalError?.message }, 'stopping: draining');
    try {
      this.consumer?.pause([{ topic: this.inputTopic }]);
    } catch {
      // not running yet: nothing to pause
    }
    // Drain: wait until no record is in flight, bounded by shutdownTimeoutMs; then abort what remains (it stays
    // uncommitted and is re-read by the next owner).
    if (!this.fatalError) {
      const timeout = new AbortController();
      await Promise.race([
        new Promise<void>((resolve) => {
          if (this.scheduler.pending === 0) return resolve();
          this.idle.add(resolve);
        }),
        sleep(this.cfg.shutdownTimeoutMs, timeout.signal),
      ]);
      timeout.abort(); // the timer must not keep the process alive
    }
    this.running = false;
    this.stopSignal.abort();
    for (const s of this.partitions.values()) s.abort.abort();
    await this.commitLoop?.catch(() => undefined);
    await this.commitRound().catch((e: unknown) => this.logger.warn({ err: String(e) }, 'final commit failed'));
    await this.lagLoop?.catch(() => undefined);
    await this.consumer?.disconnect().catch(() => undefined);
    for (const p of [...this.partitions.keys()]) await this.dropPartition(p);
    await this.sharedProducer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    await this.stage.close?.().catch(() => undefined);
    this.assigned = false;
    this.logger.info('stopped');
    if (this.fatalError) {
      this.rejectReady(this.fatalError);
      this.rejectDone(this.fatalError);
    } else {
      this.rejectReady(new Error('stopped before assignment'));
      this.resolveDone();
    }
  }
}

function groupByTopic(messages: PreparedMessage[]) {
  const byTopic = new Map<string, Array<{ key: string | Buffer | null; value: Buffer; headers: Record<string, string>; partition?: number }>>();
  for (const m of messages) {
    let list = byTopic.get(m.topic);
    if (!list) byTopic.set(m.topic, (list = []));
    const msg: { key: string | Buffer | null; value: Buffer; headers: Record<string, string>; partition?: number } = {
      key: m.key,
      value: m.value,
      headers: m.headers,
    };
    if (m.partition !== undefined) msg.partition = m.partition;
    list.push(msg);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

function headersToStrings(headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    const first = Array.isArray(v) ? v[v.length - 1] : v;
    if (first !== undefined) out[k] = first.toString();
  }
  return out;
}
