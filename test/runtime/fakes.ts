import { retriable, type PersonahubError } from '../../src/errors.js';
import type { ConsumerPort, InputRecord, PreparedMessage, ProducerPort, RebalanceListener } from '../../src/runtime/ports.js';

/**
 * In-memory fakes of the runtime's client port, for unit tests of the partition manager, committer, intake and the
 * runner without a broker. The fake broker keeps one input topic (partitions of records), the group's committed
 * offsets, and the published outputs with the transaction each belongs to (only committed ones are "visible").
 */
export class FakeBroker {
  readonly input = new Map<number, InputRecord[]>();
  readonly committed = new Map<number, number>();
  /** Every message ever produced, with its transaction's fate. */
  readonly produced: Array<{ message: PreparedMessage; tx: number; state: 'open' | 'committed' | 'aborted' }> = [];
  private txSeq = 0;

  append(partition: number, values: unknown[]): void {
    const log = this.input.get(partition) ?? [];
    for (const v of values) {
      log.push({ partition, offset: log.length, key: null, value: Buffer.from(JSON.stringify(v)), timestamp: 0, headers: {} });
    }
    this.input.set(partition, log);
  }

  /** What a read_committed consumer of the outputs sees. */
  visible(): PreparedMessage[] {
    return this.produced.filter((p) => p.state === 'committed').map((p) => p.message);
  }

  nextTx(): number {
    return ++this.txSeq;
  }
}

export class FakeConsumer implements ConsumerPort {
  listener: RebalanceListener | undefined;
  readonly paused = new Set<number>();
  readonly assigned = new Set<number>();
  readonly positions = new Map<number, number>();
  readonly calls: string[] = [];
  /** Set to make committed() fail this many times (an outage). */
  failCommitted = 0;
  /** Deliver records of paused partitions anyway (a fetch that raced the pause). */
  ignorePause = false;
  /** Like librdkafka's app position: after a seek it keeps the old value until a record is delivered. */
  stalePositionAfterSeek = false;
  private readonly reported = new Map<number, number>();

  constructor(private readonly broker: FakeBroker) {}

  async start(listener: RebalanceListener): Promise<void> {
    this.listener = listener;
  }

  /** Simulate the group protocol assigning partitions (paused, like the real port). */
  assign(partitions: number[]): void {
    for (const p of partitions) {
      this.assigned.add(p);
      this.paused.add(p);
      this.positions.set(p, this.broker.committed.get(p) ?? 0);
    }
    this.listener!.assigned(partitions);
  }

  async revoke(partitions: number[], lost = false): Promise<void> {
    await this.listener!.revoking(partitions, lost);
    for (const p of partitions) this.assigned.delete(p);
  }

  async poll(max: number): Promise<InputRecord[]> {
    await new Promise((r) => setTimeout(r, 1));
    const out: InputRecord[] = [];
    for (const p of [...this.assigned].sort()) {
      if (this.paused.has(p) && !this.ignorePause) continue;
      const log = this.broker.input.get(p) ?? [];
      let pos = this.positions.get(p) ?? 0;
      while (pos < log.length && out.length < max) out.push(log[pos++]!);
      this.positions.set(p, pos);
      if (out.some((r) => r.partition === p) || !this.stalePositionAfterSeek) this.reported.set(p, pos);
    }
    return out;
  }

  pause(partitions: number[]): void {
    this.calls.push(`pause ${partitions.join(',')}`);
    for (const p of partitions) this.paused.add(p);
  }

  resume(partitions: number[]): void {
    this.calls.push(`resume ${partitions.join(',')}`);
    for (const p of partitions) this.paused.delete(p);
  }

  async seek(partition: number, offset: number): Promise<void> {
    this.calls.push(`seek ${partition}@${offset}`);
    this.positions.set(partition, offset);
  }

  async committed(partitions: number[]): Promise<Map<number, number | undefined>> {
    if (this.failCommitted > 0) {
      this.failCommitted--;
      throw retriable('kafka_retriable', 'broker away');
    }
    return new Map(partitions.map((p) => [p, this.broker.committed.get(p)]));
  }

  async lowWatermark(): Promise<number> {
    return 0;
  }

  position(partition: number): number | undefined {
    return this.stalePositionAfterSeek ? this.reported.get(partition) : this.positions.get(partition);
  }

  async commitOffsets(offsets: Array<{ partition: number; offset: number }>): Promise<void> {
    for (const o of offsets) this.broker.committed.set(o.partition, o.offset);
  }

  async stop(): Promise<void> {}
}

export class FakeProducer implements ProducerPort {
  private tx: number | undefined;
  private pendingOffsets: Array<{ partition: number; offset: number }> = [];
  readonly calls: string[] = [];
  /** Errors to throw from the next call of the named step (in order). */
  readonly failures: Partial<Record<'sendOffsets' | 'commitTransaction' | 'abortTransaction', PersonahubError[]>> = {};
  disconnected = false;

  constructor(private readonly broker: FakeBroker) {}

  private maybeFail(step: 'sendOffsets' | 'commitTransaction' | 'abortTransaction'): void {
    const e = this.failures[step]?.shift();
    if (e) throw e;
  }

  async connect(): Promise<void> {}

  produce(messages: readonly PreparedMessage[]): void {
    for (const message of messages) this.broker.produced.push({ message, tx: this.tx ?? 0, state: this.tx ? 'open' : 'committed' });
  }

  async flush(): Promise<void> {}

  async beginTransaction(): Promise<void> {
    this.calls.push('begin');
    this.tx = this.broker.nextTx();
  }

  async sendOffsets(offsets: Array<{ partition: number; offset: number }>): Promise<void> {
    this.calls.push('sendOffsets');
    this.maybeFail('sendOffsets');
    this.pendingOffsets = offsets;
  }

  async commitTransaction(): Promise<void> {
    this.calls.push('commit');
    this.maybeFail('commitTransaction');
    for (const p of this.broker.produced) if (p.tx === this.tx) p.state = 'committed';
    for (const o of this.pendingOffsets) this.broker.committed.set(o.partition, o.offset);
    this.tx = undefined;
  }

  async abortTransaction(): Promise<void> {
    this.calls.push('abort');
    this.maybeFail('abortTransaction');
    for (const p of this.broker.produced) if (p.tx === this.tx) p.state = 'aborted';
    this.tx = undefined;
  }

  async disconnect(): Promise<void> {
    this.disconnected = true;
  }
}
