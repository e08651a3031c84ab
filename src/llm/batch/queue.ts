import type OpenAI from 'openai';
import { toFile } from 'openai';
import type { Logger } from 'pino';
import { poison, retriable, type PersonahubError } from '../../errors.js';
import type { Metrics } from '../../metrics/catalogue.js';
import { backoffMs, sleep } from '../backoff.js';
import { classifyAttemptError } from '../classify-error.js';
import type { LlmBatchConfig } from './config.js';

type ChatCompletion = OpenAI.Chat.Completions.ChatCompletion;

interface Pending {
  customId: string;
  body: Record<string, unknown>;
  resolve(c: ChatCompletion): void;
  reject(e: unknown): void;
  requeues: number;
  signal: AbortSignal | undefined;
}

interface OutputLine {
  custom_id: string | null;
  response: { status_code: number; body: unknown } | null;
  error: { code?: string; message?: string } | null;
}

const TERMINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);
const CONTROL_ATTEMPTS = 6;

/**
 * Accumulates chat requests into Batch API jobs: a batch is submitted when it holds `maxRequests` requests or its
 * oldest has waited `maxAgeMs`; it is uploaded as a JSONL file, created, polled every `pollMs`, and its output and
 * error files are read back. Each caller's promise resolves with its own line's chat completion.
 *
 * Failure handling (only what failed is sent again):
 *  - a line in the error file, or missing from both files (an `expired` batch's unfinished lines), or every line
 *    of a `failed`/`cancelled` batch, or of a batch whose control calls kept failing, is re-queued into a later
 *    batch; after `maxRequeues` the call fails retriable (the runtime's bounded record retries, then its dead
 *    letter, take over — exactly as for an online call);
 *  - a line answered 4xx is the request's own fault: the call fails poison `llm_bad_request`, never re-queued.
 * A caller whose signal aborts (its partition was revoked) is rejected at once; its line's result, if it still
 * comes, is dropped. Nothing here commits anything: the record stays in flight until its call settles, so the
 * runtime's exactly-once delivery is unchanged.
 */
export class BatchQueue {
  private buffer: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  private closed = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly o: { openai: OpenAI; cfg: LlmBatchConfig; metrics: Metrics; logger?: Logger; random: () => number; backoffBaseMs: number; backoffMaxMs: number },
  ) {}

  /** One chat request through a batch; resolves with its completion (usage included). */
  run(body: Record<string, unknown>, signal?: AbortSignal): Promise<ChatCompletion> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<ChatCompletion>((resolve, reject) => {
      const p: Pending = { customId: `ph-${process.pid}-${Date.now().toString(36)}-${++this.seq}`, body, resolve, reject, requeues: 0, signal };
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      this.enqueue(p);
    });
  }

  private enqueue(p: Pending): void {
    if (this.closed) return p.reject(retriable('llm_connection', 'batch queue closed'));
    this.buffer.push(p);
    if (this.buffer.length >= this.o.cfg.maxRequests) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.o.cfg.maxAgeMs);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    // Callers that gave up (revoked partitions) are not sent.
    const items = this.buffer.splice(0, this.o.cfg.maxRequests).filter((p) => !p.signal?.aborted);
    if (this.buffer.length > 0) this.timer = setTimeout(() => this.flush(), this.buffer.length >= this.o.cfg.maxRequests ? 0 : this.o.cfg.maxAgeMs);
    if (items.length === 0) return;
    const job = this.submit(items).catch((e: unknown) => {
      for (const p of items) this.requeue(p, e instanceof Error ? e.message : String(e));
    });
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job));
  }

  /** A control-plane call (upload, create, poll, download) with bounded retries on retriable failures. */
  private async control<T>(what: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (e) {
        const err: PersonahubError | undefined = classifyAttemptError(e);
        if (!err || err.kind !== 'retriable' || attempt >= CONTROL_ATTEMPTS || this.closed) throw err ?? e;
        this.o.logger?.debug({ what, attempt, code: err.code }, 'batch control call failed; retrying');
        await sleep(backoffMs(attempt, this.o.backoffBaseMs, this.o.backoffMaxMs, err.retryAfterMs, this.o.random));
      }
    }
  }

  private async submit(items: Pending[]): Promise<void> {
    const jsonl = items.map((p) => JSON.stringify({ custom_id: p.customId, method: 'POST', url: '/v1/chat/completions', body: p.body })).join('\n');
    const file = await this.control('upload', async () => this.o.openai.files.create({ file: await toFile(Buffer.from(`${jsonl}\n`), 'personahub-batch.jsonl'), purpose: 'batch' }));
    let batch = await this.control('create', () =>
      this.o.openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: this.o.cfg.completionWindow as '24h', metadata: { source: 'personahub' } }),
    );
    this.o.metrics.llmBatches.inc({ status: 'submitted' });
    this.o.logger?.debug({ batch: batch.id, requests: items.length }, 'batch submitted');
    while (!TERMINAL.has(batch.status)) {
      await sleep(this.o.cfg.pollMs);
      batch = await this.control('poll', () => this.o.openai.batches.retrieve(batch.id));
    }
    this.o.metrics.llmBatches.inc({ status: batch.status });
    const lines = new Map<string, OutputLine>();
    for (const id of [batch.output_file_id, batch.error_file_id]) {
      if (!id) continue;
      const text = await this.control('download', async () => (await this.o.openai.files.content(id)).text());
      for (const raw of text.split('\n')) {
        if (raw.trim() === '') continue;
        try {
          const l = JSON.parse(raw) as OutputLine;
          if (typeof l.custom_id === 'string') lines.set(l.custom_id, l);
        } catch {
          // an unreadable line: its request counts as failed and is re-queued below
        }
      }
    }
    if (batch.status !== 'completed') this.o.logger?.warn({ batch: batch.id, status: batch.status, errors: batch.errors?.data?.slice(0, 2) }, 'batch did not complete; its unfinished requests go into a later batch');
    for (const p of items) {
      const l = lines.get(p.customId);
      const status = l?.response?.status_code;
      if (status === 200) {
        this.o.metrics.llmBatchLines.inc({ outcome: 'ok' });
        p.resolve(l!.response!.body as ChatCompletion);
      } else if (status !== undefined && status >= 400 && status < 500 && status !== 429) {
        this.o.metrics.llmBatchLines.inc({ outcome: 'failed' });
        p.reject(poison('llm_bad_request', `batch line ${p.customId} answered ${status}: ${JSON.stringify(l!.response!.body).slice(0, 300)}`));
      } else {
        this.requeue(p, l ? `line answered ${status ?? l.error?.code ?? 'error'}` : `batch ${batch.id} ended ${batch.status} without this line`);
      }
    }
  }

  private requeue(p: Pending, why: string): void {
    if (p.signal?.aborted) return;
    if (++p.requeues > this.o.cfg.maxRequeues) {
      this.o.metrics.llmBatchLines.inc({ outcome: 'failed' });
      p.reject(retriable('llm_server_error', `batch request ${p.customId} failed ${p.requeues} times (last: ${why})`));
      return;
    }
    this.o.metrics.llmBatchLines.inc({ outcome: 'requeued' });
    this.enqueue(p);
  }

  /** Stop accepting; pending callers fail retriable (their records are re-read by the next owner). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    for (const p of this.buffer.splice(0)) p.reject(retriable('llm_connection', 'batch queue closed'));
  }
}
