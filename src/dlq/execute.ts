import type { Logger } from 'pino';
import { classify, fatal, type PersonahubError } from '../errors.js';
import type { ProducerPort } from '../runtime/ports.js';
import { backoffDelayMs, sleep } from '../runtime/backoff.js';
import { decide } from './decide.js';
import { planEnds, type ReplayPlan } from './plan.js';
import type { ReplayPorts } from './ports.js';
import { replayRecord } from './replay-record.js';
import { Tally } from './tally.js';

export interface ExecuteOptions {
  /** Dead letters per transaction (replayed and skipped alike: both move the replay's offset). */
  batchSize: number;
  logger: Logger;
  /** After each committed transaction: everything committed by this run so far. */
  onCommit?(committed: Tally): void;
  /** Attempts of the whole run before it gives up (each resumes from the committed progress). Default 5. */
  maxRuns?: number;
  /** A producer already connected (connected before planning, so the plan reads settled progress). */
  producer?: ProducerPort;
}

/**
 * Carry out a plan: read the range again as the replay's group and, batch by batch, write the replayed records to
 * the stage's input and the group's offset past the batch in ONE Kafka transaction. Hence, whatever moment the
 * process dies at, a record's re-injection and the progress past it are either both committed or both not: a re-run
 * (same replay id) resumes after the last committed batch, without duplicates and without loss (read_committed).
 *
 * A failure aborts the open transaction and the run resumes from the committed progress with a new producer (same
 * transactional id: connecting it settles the old one's transaction), at most `maxRuns` times. A fenced producer
 * means another run of the same replay id took over: this one stops, and the other one owns the rest.
 *
 * Returns what this run committed. The decisions are the plan's (same superseded set), over the plan's end offsets.
 */
export async function executeReplay(ports: ReplayPorts, plan: ReplayPlan, o: ExecuteOptions): Promise<Tally> {
  const committed = new Tally();
  const ends = planEnds(plan);
  const maxRuns = o.maxRuns ?? 5;
  let producer: ProducerPort | undefined = o.producer;
  try {
    for (let run = 1; ; run++) {
      producer ??= await ports.newProducer();
      const p = producer;
      let pending = new Tally();
      const offsets = new Map<number, number>();
      let inTransaction = false;
      let sinceCommit = 0;
      const commit = async () => {
        if (offsets.size === 0) return;
        if (!inTransaction) await p.beginTransaction();
        inTransaction = true;
        await p.sendOffsets([...offsets].map(([partition, offset]) => ({ partition, offset })));
        await p.commitTransaction();
        inTransaction = false;
        committed.addAll(pending);
        pending = new Tally();
        offsets.clear();
        sinceCommit = 0;
        o.onCommit?.(committed);
      };
      try {
        await ports.read({
          ends,
          onRecord: async (r) => {
            const d = decide(r, { selection: plan.selection, replayId: plan.replayId, stage: plan.target.stage, superseded: plan.superseded });
            if (d.action === 'replay') {
              if (!inTransaction) await p.beginTransaction();
              inTransaction = true;
              p.produce([replayRecord(r, d.dead, { target: plan.target, replayId: plan.replayId, code: d.code, attempt: d.attempt })]);
            }
            pending.add(d);
            offsets.set(r.partition, r.offset + 1);
            if (++sinceCommit >= o.batchSize) await commit();
          },
          // Offsets past trailing transaction markers are not needed: the next run's read skips them anyway.
          onEnd: commit,
        });
        return committed;
      } catch (e) {
        const err = classify(e);
        producer = undefined;
        if (inTransaction) await p.abortTransaction().catch(() => undefined);
        await p.disconnect().catch(() => undefined);
        if (err.code === 'fenced') {
          throw fatal('fenced', `another run of replay ${plan.replayId} took over (its producer fenced this one); it replays the rest. This run committed ${committed.replayed} replays before.`, { cause: err });
        }
        if (err.kind === 'fatal' && err.code !== 'kafka_fatal') throw err;
        if (run >= maxRuns) throw giveUp(plan, committed, err);
        o.logger.warn({ run, err: err.message }, 'replay transaction failed; resuming from the committed progress');
        await sleep(backoffDelayMs(run, { initialDelayMs: 500, maxDelayMs: 10_000 }));
      }
    }
  } finally {
    await producer?.disconnect().catch(() => undefined);
  }
}

function giveUp(plan: ReplayPlan, committed: Tally, err: PersonahubError): PersonahubError {
  return fatal(
    'kafka_fatal',
    `replay ${plan.replayId} stopped after repeated failures (${err.message}); ${committed.replayed} replays were committed. ` +
      'Run the same command again to resume: nothing committed is replayed twice.',
    { cause: err },
  );
}
