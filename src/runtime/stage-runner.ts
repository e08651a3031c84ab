import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { createKafka, type KafkaClient } from '../kafka/client.js';
import { classify, fatal, type PersonahubError } from '../errors.js';
import { dlqTopic } from '../contracts/dlq.js';
import type { Metrics } from '../metrics/catalogue.js';
import { RuntimeConfig } from './config.js';
import { FILTER_REASONS, type RecordMeta, type Stage } from './stage.js';
import type { RuntimeDeps, StageHandle } from './types.js';
import { OrderedScheduler } from './scheduler.js';
import type { PartitionState } from './partition-state.js';
import { PartitionManager } from './partition-manager.js';
import { AtLeastOnceCommitter, TransactionalCommitter, isRedo, type Committer } from './committer.js';
import { Intake } from './intake.js';
import { Mutex } from './mutex.js';
import { processRecord, type RecordProcessorDeps, type RecordResult } from './record-processor.js';
import type { ConsumerPort, InputRecord, ProducerPort } from './ports.js';
import { RdKafkaConsumerPort, RdKafkaProducerPort } from './rdkafka-ports.js';
import { storeRestorer } from './state-store.js';
import { sleep } from './backoff.js';
import { groupIdFor } from './names.js';

const LAG_INTERVAL_MS = 5_000;
/** How long an active partition with unread records may go without receiving one before it is re-seeked. */
const STALL_MS = 10_000;
/**
 * Rounds that fail for a reason of their own (not a broker outage) this many times in a row stop the stage: a
 * transaction that can never succeed (an output topic Kafka rejects, missing authorisation) would otherwise redo —
 * and pay for — the same LLM work forever.
 */
const MAX_CONSECUTIVE_FAILED_ROUNDS = 5;

/**
 * Codes most replays follow (an LLM endpoint that was away or misbehaving, a contract fixed): their replay counters
 * are exported at 0 from the start, so the first replay after a start shows in rate(). Other codes appear with
 * their first replayed record.
 */
const REPLAY_PRIMED_CODES = ['llm_connection', 'llm_timeout', 'llm_server_error', 'llm_circuit_open', 'schema_invalid'] as const;

/** Ports the runner talks to Kafka through; tests pass fakes, production builds them on librdkafka. */
export interface RunnerPorts {
  consumer: ConsumerPort;
  newProducer(): Promise<ProducerPort>;
  /** Latest end offset of an input partition (lag metric). */
  highWatermark?(partition: number): Promise<number>;
}

/**
 * Runs one stage: wires the parts and owns the life cycle.
 *
 *   intake             consume loop, hand-off to the scheduler, backpressure (pause/resume)
 *   partition manager  assign → initialise (stable committed offset, state store restore) → revoke / reset
 *   scheduler          bounded concurrency within the stage's declared ordering
 *   committer          every commitIntervalMs one round: outputs below each partition's watermark + the
 *                      watermarks, in one transaction (exactly-once) or produce-then-commit (at-least-once)
 *
 * Rounds, final commits of revoked partitions and resets run one at a time (the transaction mutex). A round that
 * has to be redone resets its partitions to their last committed offsets. Infrastructure outages (broker,
 * registry) are waited out — readiness reports not-ready meanwhile — and never end the process; a fatal error
 * stops the stage (and, through the process host, the process) within seconds.
 */
export class StageRunner {
  private readonly cfg: RuntimeConfig;
  private readonly logger: Logger;
  private readonly metrics: Metrics;
  private readonly client: KafkaClient;
  private readonly groupId: string;
  private readonly inputTopic: string;
  private readonly processorDeps: RecordProcessorDeps;
  private readonly scheduler: OrderedScheduler;
  private readonly mutex = new Mutex();
  private readonly ports: RunnerPorts;
  private readonly partitions: PartitionManager;
  private readonly committer: Committer;
  private readonly intake: Intake;
  private running = false;
  private stopping: Promise<void> | undefined;
  private fatalError: PersonahubError | undefined;
  private commitLoop: Promise<void> | undefined;
  private lagLoop: Promise<void> | undefined;
  private readonly stopSignal = new AbortController();
  /** Wakes the commit loop's wait at shutdown (the final round runs in doStop; the loop must not sleep it out). */
  private readonly commitLoopStop = new AbortController();
  /** Wakes the commit loop's wait early (commitSoon); set while it waits. */
  private commitWake: (() => void) | undefined;
  /** commitSoon() was called while a round was running: the next wait ends at once. */
  private commitRequested = false;
  private readonly idle = new Set<() => void>();
  /** Outage bookkeeping for readiness: partitions waiting to initialise, records waiting, commit waiting. */
  private readonly waitingPartitions = new Set<number>();
  private recordsWaiting = 0;
  private commitWaiting = false;
  private everAssigned = false;
  private failedRounds = 0;
  private gateWasClosed = false;
  private unsubscribeGate: (() => void) | undefined;
  private lastOutageLog = 0;
  /** Records handed to the stage since the last poll's flush (recordsIn is counted per poll). */
  private handedOff = 0;
  private changeScheduled = false;
  /** recordsIn of this stage's input, labels bound once. */
  private readonly recordsIn: { inc(n?: number): void };
  private resolveReady!: () => void;
  private rejectReady!: (e: unknown) => void;
  private readonly readyP: Promise<void>;
  private resolveDone!: () => void;
  private rejectDone!: (e: unknown) => void;
  private readonly doneP: Promise<void>;

  constructor(
    private readonly stage: Stage<unknown>,
    private readonly deps: RuntimeDeps,
    ports?: RunnerPorts,
  ) {
    this.cfg = RuntimeConfig.parse({ ...deps.config.runtime, ...deps.runtime });
    this.logger = deps.logger.child({ stage: stage.name });
    this.metrics = deps.metrics;
    const prefix = deps.topicPrefix ?? '';
    this.groupId = deps.groupId ?? groupIdFor(stage.name, prefix);
    this.inputTopic = prefix + stage.input.topic;
    this.client = deps.kafka ?? createKafka(deps.config.kafka, { logger: this.logger, clientId: `personahub-${stage.name}` });
    this.scheduler = new OrderedScheduler(stage.ordering, this.cfg.maxInFlight);
    this.processorDeps = {
      stage,
      codec: deps.codec,
      metrics: deps.metrics,
      logger: this.logger,
      retry: this.cfg.retry,
      physical: (t) => prefix + t,
      dlqTopic: dlqTopic(this.inputTopic, stage.name),
      onInfrastructureWait: (err, waiting) => {
        this.recordsWaiting += waiting ? 1 : -1;
        if (waiting) {
          this.metrics.infrastructureWaits.inc({ stage: stage.name, code: err.code });
          // Say what is being waited for (e.g. "run `personahub schemas register`"), at most every 30 s.
          const now = Date.now();
          if (now - this.lastOutageLog >= 30_000) {
            this.lastOutageLog = now;
            this.logger.warn({ code: err.code, waiting: this.recordsWaiting }, `waiting for infrastructure: ${err.message}`);
          }
        }
        this.updateReady();
      },
    };
    this.ports = ports ?? this.rdkafkaPorts();
    const store = stage.store
      ? storeRestorer({ spec: stage.store, client: this.client, codec: deps.codec, physical: (t) => prefix + t, stage: stage.name, metrics: deps.metrics, logger: this.logger })
      : undefined;
    this.partitions = new PartitionManager({
      consumer: this.ports.consumer,
      logger: this.logger,
      ...(store ? { store } : {}),
      exclusive: (section) => this.mutex.run(section),
      commitFinal: (states) => this.commitStates(states, { final: true }),
      onChange: () => this.afterChange(),
      onRebalance: () => this.metrics.rebalances.inc({ stage: stage.name }),
      fail: (err) => this.fail(err),
      resume: (p) => {
        if (!this.intake.isPaused) this.ports.consumer.resume([p]);
      },
      setWaiting: (p, waiting) => {
        if (waiting) this.waitingPartitions.add(p);
        else this.waitingPartitions.delete(p);
        this.updateReady();
      },
    });
    const committerDeps = {
      newProducer: () => this.ports.newProducer(),
      consumer: this.ports.consumer,
      logger: this.logger,
      onWait: (err: PersonahubError) => {
        this.commitWaiting = true;
        this.metrics.infrastructureWaits.inc({ stage: stage.name, code: err.code });
        this.updateReady();
      },
    };
    this.committer = this.cfg.delivery === 'exactly-once' ? new TransactionalCommitter(committerDeps) : new AtLeastOnceCommitter(committerDeps);
    this.intake = new Intake({
      consumer: this.ports.consumer,
      partitions: this.partitions,
      logger: this.logger,
      capacity: () => Math.min(this.cfg.maxInFlight - this.scheduler.pending, 1_000),
      overLimit: () => this.overLimit(),
      full: () => this.scheduler.pending >= this.cfg.maxInFlight || this.bufferedTotal() >= this.cfg.maxBufferedOutputs,
      handOff: (state, record) => this.handOff(state, record),
      onHandedOff: () => this.flushHandedOff(),
      onPauseChange: (paused) => this.metrics.pausedPartitions.set({ stage: stage.name }, paused ? this.partitions.size : 0),
      fail: (err) => this.fail(err),
    });
    if (stage.pauseGate) {
      const gate = stage.pauseGate;
      this.metrics.stageBudgetPaused.set({ stage: stage.name }, 0);
      this.unsubscribeGate = gate.subscribe(() => this.onGateChange());
    }
    this.recordsIn = this.metrics.recordsIn.labels({ stage: stage.name, topic: stage.input.topic });
    this.primeCounters();
    this.readyP = new Promise((res, rej) => ((this.resolveReady = res), (this.rejectReady = rej)));
    this.readyP.catch(() => undefined);
    this.doneP = new Promise((res, rej) => ((this.resolveDone = res), (this.rejectDone = rej)));
    this.doneP.catch(() => undefined);
  }

  /** Production ports: librdkafka consumer (KIP-848 or classic cooperative) and one producer per stage instance. */
  private rdkafkaPorts(): RunnerPorts {
    const consumer = new RdKafkaConsumerPort({
      client: this.client,
      logger: this.logger,
      groupId: this.groupId,
      topic: this.inputTopic,
      groupProtocol: this.cfg.groupProtocol,
      sessionTimeoutMs: this.cfg.sessionTimeoutMs,
      heartbeatIntervalMs: this.cfg.heartbeatIntervalMs,
      fetchMaxWaitMs: this.cfg.fetchMaxWaitMs,
      clientId: `personahub-${this.stage.name}`,
    });
    const eos = this.cfg.delivery === 'exactly-once';
    return {
      consumer,
      newProducer: async () => {
        const producer = new RdKafkaProducerPort({
          client: this.client,
          logger: this.logger,
          // Names are persistent (group, topics); the transactional id is per producer instance on purpose: it is
          // not what fences zombies under KIP-447 (the group generation is), and a fresh one never collides.
          ...(eos ? { transactionalId: `${this.groupId}.tx.${randomUUID()}` } : {}),
          transactionTimeoutMs: this.cfg.transactionTimeoutMs,
          consumer: () => consumer.native,
          inputTopic: this.inputTopic,
          clientId: `personahub-${this.stage.name}`,
        });
        await producer.connect();
        return producer;
      },
      highWatermark: async (p) => {
        const admin = consumer.native;
        return await new Promise<number>((resolve, reject) =>
          admin.queryWatermarkOffsets(this.inputTopic, p, 10_000, (err, w) => (err ? reject(err) : resolve(w.highOffset))),
        );
      },
    };
  }

  /**
   * Export this stage's known label sets at 0 from the start. A labelled counter otherwise appears only at its
   * first increment, and Prometheus' rate()/increase() cannot see that first step.
   */
  private primeCounters(): void {
    const stage = this.stage.name;
    this.metrics.recordsIn.inc({ stage, topic: this.stage.input.topic }, 0);
    for (const topic of Object.keys(this.stage.outputs)) this.metrics.recordsOut.inc({ stage, topic }, 0);
    for (const reason of FILTER_REASONS) this.metrics.recordsFiltered.inc({ stage, reason }, 0);
    for (const code of ['decode_failed', 'schema_invalid', 'invalid_utf8', 'schema_subject_mismatch'] as const) this.metrics.recordsDeadLettered.inc({ stage, code }, 0);
    for (const code of REPLAY_PRIMED_CODES) for (const outcome of ['ok', 'filtered', 'dead_lettered'] as const) this.metrics.recordsReplayed.inc({ stage, code, outcome }, 0);
    this.metrics.transactions.inc({ stage, outcome: 'committed' }, 0);
    this.metrics.stageReady.set({ stage }, 0);
  }

  handle(): StageHandle {
    return {
      stage: this.stage.name,
      groupId: this.groupId,
      ready: this.readyP,
      isReady: () => this.isReady(),
      stop: () => this.stop(),
      done: this.doneP,
    };
  }

  /** Connected, assigned at least once, no partition initialising against an outage, nothing waiting out one. */
  private isReady(): boolean {
    return this.running && this.everAssigned && !this.stopping && this.waitingPartitions.size === 0 && this.recordsWaiting === 0 && !this.commitWaiting;
  }

  private updateReady(): void {
    this.metrics.stageReady.set({ stage: this.stage.name }, this.isReady() ? 1 : 0);
  }

  async start(): Promise<void> {
    this.committer.prepare();
    try {
      await this.ports.consumer.start(this.partitions);
      // Stopped while connecting (stop() ended the consumer's connect retries, or came just after it connected):
      // the stage must not begin consuming after its stop.
      if (this.stopping) throw fatal('internal', 'stopped before the stage started');
    } catch (e) {
      // The producer prepare() may have built must not outlive a start that failed (its threads hold the process).
      if (this.stopping) {
        this.logger.info({ err: (e as Error).message }, 'stopped before the stage started');
        await this.ports.consumer.stop().catch(() => undefined);
      }
      await this.committer.close().catch(() => undefined);
      throw e;
    }
    this.running = true;
    this.intake.start();
    this.commitLoop = this.runCommitLoop();
    this.lagLoop = this.runLagLoop();
    this.logger.info({ groupId: this.groupId, topic: this.inputTopic, delivery: this.cfg.delivery, protocol: this.cfg.groupProtocol }, 'stage started');
  }

  // ---- records ---------------------------------------------------------------------------------------------

  /**
   * Hot path (every record): no metric call per record here. recordsIn is counted per poll (flushHandedOff) and a
   * completion schedules one afterChange per event-loop turn (changed), not one per record: with hundreds of
   * records completing in one turn, per-record label hashing and gauge updates were a fifth of a pass-through
   * stage's CPU.
   */
  private handOff(state: PartitionState, r: InputRecord): void {
    this.handedOff++;
    const key = r.key ? r.key.toString('utf8') : null;
    const meta: RecordMeta = {
      topic: this.inputTopic,
      partition: r.partition,
      offset: String(r.offset),
      key,
      timestamp: String(r.timestamp),
      headers: r.headers,
    };
    const orderingKey = this.scheduler.orderingKey(r.partition, key);
    // runRecord never rejects (a failure stops the stage inside it).
    this.scheduler.run(orderingKey, () => this.runRecord(state, { meta, key: r.key, value: r.value }, r.offset), this.changed);
  }

  /** After a poll: the records handed over, counted in one step; the in-flight gauge. */
  private flushHandedOff(): void {
    if (this.handedOff > 0) this.recordsIn.inc(this.handedOff);
    this.handedOff = 0;
    this.metrics.inFlight.set({ stage: this.stage.name }, this.scheduler.pending);
  }

  /** A record finished: one afterChange for all records finishing in this event-loop turn. */
  private readonly changed = (): void => {
    if (this.changeScheduled) return;
    this.changeScheduled = true;
    setImmediate(this.runScheduledChange);
  };

  private readonly runScheduledChange = (): void => {
    this.changeScheduled = false;
    try {
      this.afterChange();
    } catch (e) {
      this.fail(classify(e));
    }
  };

  private async runRecord(state: PartitionState, rec: Parameters<typeof processRecord>[1], offset: number): Promise<void> {
    if (state.closed) return;
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
    for (const s of this.partitions.all()) n += s.tracker?.buffered ?? 0;
    return n;
  }

  private overLimit(): boolean {
    return this.scheduler.pending >= this.cfg.maxInFlight || this.bufferedTotal() >= this.cfg.maxBufferedOutputs || this.gateClosed();
  }

  /** A closed pause gate (an exhausted budget) pauses the partitions exactly like backpressure does. */
  private gateClosed(): boolean {
    return this.stage.pauseGate?.closed() === true;
  }

  /** Called on every change the gate reports (often): act on transitions only. */
  private onGateChange(): void {
    const closed = this.gateClosed();
    if (closed === this.gateWasClosed) return;
    this.gateWasClosed = closed;
    this.metrics.stageBudgetPaused.set({ stage: this.stage.name }, closed ? 1 : 0);
    if (closed) this.logger.warn({ reason: this.stage.pauseGate?.reason() }, 'budget exhausted: partitions paused until it is raised (personahub budget set)');
    else this.logger.info('budget raised: partitions resumed');
    this.intake.nudge();
  }

  /** After every completion, commit and assignment change: gauges, readiness, backpressure, idle waiters. */
  private afterChange(): void {
    if (this.partitions.size > 0 && !this.everAssigned) {
      this.everAssigned = true;
      this.resolveReady();
    }
    this.metrics.inFlight.set({ stage: this.stage.name }, this.scheduler.pending);
    const buffered = this.bufferedTotal();
    this.metrics.bufferedOutputs.set({ stage: this.stage.name }, buffered);
    if (buffered * 2 >= this.cfg.maxBufferedOutputs) this.commitSoon();
    this.updateReady();
    this.intake.nudge();
    if (this.scheduler.pending === 0) for (const wake of this.idle) wake();
  }

  // ---- committing ------------------------------------------------------------------------------------------

  /**
   * A round every commitIntervalMs, or sooner once completed outputs fill half of maxBufferedOutputs (commitSoon):
   * a fast stage would otherwise fill the buffer between two rounds and pause its partitions (a pause drops
   * librdkafka's prefetched records; measured 100-250 ms without a record after each resume). Early rounds only
   * happen under load and then carry at least maxBufferedOutputs / 2 outputs each, so they do not multiply small
   * transactions; commitIntervalMs stays the latency bound of a quiet stage.
   */
  private async runCommitLoop(): Promise<void> {
    while (this.running) {
      await this.commitPause();
      if (!this.running) break;
      await this.commitRound();
    }
  }

  private commitPause(): Promise<void> {
    if (this.commitRequested) {
      this.commitRequested = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const signal = this.commitLoopStop.signal;
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.commitWake = undefined;
        this.commitRequested = false;
        resolve();
      };
      const timer = setTimeout(done, this.cfg.commitIntervalMs);
      signal.addEventListener('abort', done, { once: true });
      this.commitWake = done;
    });
  }

  /** Start the next round without waiting out the interval (see runCommitLoop). */
  private commitSoon(): void {
    if (this.commitWake) this.commitWake();
    else this.commitRequested = true;
  }

  /** One round: every active partition with something committable, in one transaction. */
  commitRound(): Promise<void> {
    return this.mutex.run(() => this.commitStates(this.partitions.active().filter((s) => s.tracker!.hasCommittable())));
  }

  /**
   * Commit the given partitions' completed work (call inside the mutex). Redo on failure; stop on fatal.
   * `final`: the partitions are being revoked — a failed round is not redone here (resetting would re-create state
   * for partitions that are about to be given up); their next owner starts from the last committed offset.
   */
  private async commitStates(states: PartitionState[], { final = false } = {}): Promise<void> {
    if (states.length === 0) return;
    const rounds = states.map((s) => ({ s, ...s.tracker!.committable() }));
    const messages = rounds.flatMap((r) => r.results.flatMap((x) => x.messages));
    const offsets = rounds.map((r) => ({ partition: r.s.partition, offset: r.watermark }));
    try {
      await this.committer.commit(messages, offsets, this.stopSignal.signal);
    } catch (e) {
      const err = classify(e);
      this.metrics.transactions.inc({ stage: this.stage.name, outcome: 'aborted' });
      if (!isRedo(err)) return this.fail(err);
      const outage = err.cause !== undefined && classify(err.cause).code === 'kafka_retriable';
      if (!outage && ++this.failedRounds >= MAX_CONSECUTIVE_FAILED_ROUNDS) {
        return this.fail(fatal('kafka_fatal', `${this.failedRounds} consecutive transactions failed on ${this.inputTopic}: ${err.message}`, { cause: err }));
      }
      this.logger.warn({ partitions: offsets.map((o) => o.partition), err: err.message, final }, 'round not committed; partitions restart from their committed offsets');
      if (!final) this.partitions.reset(rounds.filter((r) => !r.s.closed).map((r) => r.s.partition));
      return;
    } finally {
      this.afterChange();
    }
    this.failedRounds = 0;
    if (this.commitWaiting) {
      this.commitWaiting = false;
      this.updateReady();
    }
    this.metrics.transactions.inc({ stage: this.stage.name, outcome: 'committed' });
    const stage = this.stage.name;
    // Outputs counted per topic, one counter update per topic and round (not per message).
    const out = new Map<string, number>();
    for (const r of rounds) {
      r.s.tracker!.commitSucceeded(r.watermark);
      for (const x of r.results) {
        if (x.outcome === 'dead_lettered') this.metrics.recordsDeadLettered.inc({ stage, code: x.deadLetterCode ?? 'internal' });
        else for (const m of x.messages) out.set(m.logicalTopic, (out.get(m.logicalTopic) ?? 0) + 1);
        if (x.replayedCode) this.metrics.recordsReplayed.inc({ stage, code: x.replayedCode, outcome: x.outcome });
      }
      this.metrics.committedOffset.set({ stage, topic: this.stage.input.topic, partition: String(r.s.partition) }, r.watermark);
    }
    for (const [topic, n] of out) this.metrics.recordsOut.inc({ stage, topic }, n);
    this.afterChange();
  }

  private async runLagLoop(): Promise<void> {
    const high = this.ports.highWatermark;
    if (!high) return;
    while (this.running) {
      for (const s of this.partitions.active()) {
        try {
          const h = await high(s.partition);
          this.metrics.consumerLag.set(
            { stage: this.stage.name, topic: this.stage.input.topic, partition: String(s.partition) },
            Math.max(0, h - s.tracker!.committed),
          );
          await this.unstall(s, h);
        } catch (e) {
          this.logger.debug({ err: String(e) }, 'lag poll failed');
        }
      }
      await sleep(LAG_INTERVAL_MS, this.stopSignal.signal);
    }
  }

  /**
   * Stall watchdog: an active partition with records beyond what it has received, nothing in flight, fetching not
   * held back by backpressure, and nothing received for STALL_MS is told again where to fetch (seek + resume).
   * Seen once on a freshly started broker in CI: one newly assigned partition never started fetching. Only
   * trailing transaction markers beyond the position re-trigger it harmlessly (logged at debug after the first).
   */
  private async unstall(s: PartitionState, high: number): Promise<void> {
    const t = s.tracker!;
    if (high <= t.fetchPosition || t.incomplete > 0 || this.intake.isPaused) return;
    if (Date.now() - s.lastRecordAt < STALL_MS) return;
    const level = s.unstalls++ === 0 ? 'warn' : 'debug';
    this.logger[level]({ partition: s.partition, position: t.fetchPosition, high }, 'partition not fetching; seeking to its position again');
    await this.ports.consumer.seek(s.partition, t.fetchPosition).catch((e: unknown) => this.logger.debug({ err: String(e) }, 'unstall seek failed'));
    this.ports.consumer.resume([s.partition]);
    s.lastRecordAt = Date.now();
  }

  // ---- stopping --------------------------------------------------------------------------------------------

  private fail(err: PersonahubError): void {
    if (err.kind !== 'fatal') this.logger.error({ err: err.message, code: err.code }, 'unexpected runtime error; stopping');
    else this.logger.error({ err: err.message, code: err.code }, 'fatal error; stopping');
    this.fatalError ??= err;
    void this.stop();
  }

  /** Stop fetching, drain in-flight work (bounded), commit, leave the group, disconnect. Idempotent. */
  stop(): Promise<void> {
    return (this.stopping ??= this.doStop());
  }

  private async doStop(): Promise<void> {
    this.logger.info({ inFlight: this.scheduler.pending, fatal: this.fatalError?.message }, 'stopping: draining');
    this.updateReady();
    this.unsubscribeGate?.();
    await this.intake.stop().catch(() => undefined);
    if (!this.fatalError && this.running) {
      // Drain: wait until no record is in flight, bounded by shutdownTimeoutMs; what remains is abandoned
      // (uncommitted, re-read by the next owner).
      const timeout = new AbortController();
      await Promise.race([
        new Promise<void>((resolve) => {
          if (this.scheduler.pending === 0) return resolve();
          this.idle.add(resolve);
        }),
        sleep(this.cfg.shutdownTimeoutMs, timeout.signal),
      ]);
      timeout.abort();
    }
    this.running = false;
    this.commitLoopStop.abort();
    for (const s of this.partitions.all()) s.abort.abort();
    await this.commitLoop?.catch(() => undefined);
    if (!this.fatalError) {
      // The final round must not wait forever on a broker that is gone: bounded by the shutdown timeout. Hazard:
      // the bound's timer must be cleared when the round wins, or it holds the event loop open for the whole
      // timeout after everything stopped (measured: every `run` process then outlived its exit watchdog).
      const bound = new AbortController();
      await Promise.race([this.commitRound().catch(() => undefined), sleep(this.cfg.shutdownTimeoutMs, bound.signal)]);
      bound.abort();
    }
    this.stopSignal.abort();
    await this.lagLoop?.catch(() => undefined);
    await this.ports.consumer.stop().catch(() => undefined);
    this.partitions.closeAll();
    await this.committer.close().catch(() => undefined);
    await this.stage.close?.().catch(() => undefined);
    this.logger.info('stopped');
    this.metrics.stageReady.set({ stage: this.stage.name }, 0);
    if (this.fatalError) {
      this.rejectReady(this.fatalError);
      this.rejectDone(this.fatalError);
    } else {
      this.rejectReady(new Error('stopped before assignment'));
      this.resolveDone();
    }
  }
}
