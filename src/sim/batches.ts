import { createHash, randomUUID } from 'node:crypto';
import type { BatchOptions } from './options.js';

/**
 * The simulator's Batch API (OpenAI's `/v1/files` + `/v1/batches`, the subset personahub uses): upload a JSONL file
 * of requests (`purpose=batch`), create a batch over it, poll it, download its output and error files.
 *
 * Lifecycle by time since creation: `validating` (first third of completeAfterMs) → `in_progress` → finished when
 * polled after completeAfterMs: `completed` (output file; plus an error file for the lines of a `partial` batch),
 * `failed` (no output; `errors` says why) or `expired` (only the first half of the lines done). Which batch does
 * what is fixed by its ordinal (BatchOptions), so tests are deterministic. Each line is answered by the same code
 * as an online chat completion (`answer`), without latency or online fault injection: a batch's faults are its own.
 */
export interface StoredFile {
  id: string;
  purpose: string;
  filename: string;
  content: string;
  created_at: number;
}

interface BatchState {
  id: string;
  ordinal: number;
  input_file_id: string;
  endpoint: string;
  completion_window: string;
  created: number;
  createdMs: number;
  metadata: Record<string, string> | null;
  status: 'validating' | 'in_progress' | 'completed' | 'failed' | 'expired';
  output_file_id: string | null;
  error_file_id: string | null;
  errors: { object: 'list'; data: Array<{ code: string; message: string; line: number | null }> } | null;
  counts: { total: number; completed: number; failed: number };
}

export interface BatchStatsSnapshot {
  created: number;
  completed: number;
  failed: number;
  expired: number;
  partial: number;
  linesAnswered: number;
  lineErrors: number;
}

export type LineAnswer = (body: string) => { status: number; body: unknown; usage: { promptTokens: number; completionTokens: number } | null };

export class SimBatches {
  private readonly files = new Map<string, StoredFile>();
  private readonly batches = new Map<string, BatchState>();
  private ordinal = 0;
  private readonly s: BatchStatsSnapshot = { created: 0, completed: 0, failed: 0, expired: 0, partial: 0, linesAnswered: 0, lineErrors: 0 };

  constructor(
    private readonly opts: () => BatchOptions,
    private readonly answer: LineAnswer,
    private readonly onUsage: (u: { promptTokens: number; completionTokens: number }) => void,
  ) {}

  stats(): BatchStatsSnapshot {
    return { ...this.s };
  }

  addFile(purpose: string, filename: string, content: string): StoredFile {
    const f = { id: `file-sim-${randomUUID().slice(0, 12)}`, purpose, filename, content, created_at: Math.floor(Date.now() / 1000) };
    this.files.set(f.id, f);
    return f;
  }

  file(id: string): StoredFile | undefined {
    return this.files.get(id);
  }

  fileObject(f: StoredFile) {
    return { id: f.id, object: 'file', bytes: Buffer.byteLength(f.content), created_at: f.created_at, filename: f.filename, purpose: f.purpose, status: 'processed' };
  }

  create(body: { input_file_id?: unknown; endpoint?: unknown; completion_window?: unknown; metadata?: unknown }): { ok: true; batch: unknown } | { ok: false; message: string } {
    const input = typeof body.input_file_id === 'string' ? this.files.get(body.input_file_id) : undefined;
    if (!input) return { ok: false, message: `input_file_id ${String(body.input_file_id)} not found` };
    if (body.endpoint !== '/v1/chat/completions') return { ok: false, message: 'endpoint must be /v1/chat/completions' };
    const lines = input.content.split('\n').filter((l) => l.trim() !== '');
    const b: BatchState = {
      id: `batch_sim_${randomUUID().slice(0, 12)}`,
      ordinal: ++this.ordinal,
      input_file_id: input.id,
      endpoint: body.endpoint,
      completion_window: typeof body.completion_window === 'string' ? body.completion_window : '24h',
      created: Math.floor(Date.now() / 1000),
      createdMs: Date.now(),
      metadata: (body.metadata as Record<string, string> | undefined) ?? null,
      status: 'validating',
      output_file_id: null,
      error_file_id: null,
      errors: null,
      counts: { total: lines.length, completed: 0, failed: 0 },
    };
    this.batches.set(b.id, b);
    this.s.created++;
    return { ok: true, batch: this.view(b) };
  }

  retrieve(id: string): unknown {
    const b = this.batches.get(id);
    if (!b) return undefined;
    this.advance(b);
    return this.view(b);
  }

  private advance(b: BatchState): void {
    if (b.status !== 'validating' && b.status !== 'in_progress') return;
    const o = this.opts();
    const age = Date.now() - b.createdMs;
    if (age < o.completeAfterMs / 3) return;
    if (age < o.completeAfterMs) {
      b.status = 'in_progress';
      return;
    }
    if (o.fail.includes(b.ordinal)) {
      b.status = 'failed';
      b.errors = { object: 'list', data: [{ code: 'simulated_failure', message: `simulated failure of batch #${b.ordinal}`, line: null }] };
      this.s.failed++;
      return;
    }
    const lines = this.files.get(b.input_file_id)!.content.split('\n').filter((l) => l.trim() !== '');
    const expired = o.expire.includes(b.ordinal);
    const partial = o.partial.includes(b.ordinal);
    if (partial) this.s.partial++;
    const out: string[] = [];
    const err: string[] = [];
    lines.forEach((line, i) => {
      let req: { custom_id?: string; method?: string; url?: string; body?: unknown };
      try {
        req = JSON.parse(line) as typeof req;
      } catch {
        err.push(JSON.stringify({ id: `batch_req_${i}`, custom_id: null, response: null, error: { code: 'invalid_json', message: `line ${i + 1} is not JSON` } }));
        return;
      }
      const custom = String(req.custom_id);
      if (expired && i >= Math.ceil(lines.length / 2)) return; // not done before the window closed: in neither file
      const unlucky = partial && (createHash('sha1').update(custom).digest()[0]! / 256) < o.lineErrorRate;
      if (unlucky) {
        this.s.lineErrors++;
        err.push(JSON.stringify({ id: `batch_req_${b.ordinal}_${i}`, custom_id: custom, response: { status_code: 500, request_id: `req_${i}`, body: { error: { message: 'simulated line failure', type: 'server_error' } } }, error: null }));
        return;
      }
      const r = this.answer(JSON.stringify(req.body ?? {}));
      this.s.linesAnswered++;
      if (r.usage) this.onUsage(r.usage);
      (r.status === 200 ? out : err).push(JSON.stringify({ id: `batch_req_${b.ordinal}_${i}`, custom_id: custom, response: { status_code: r.status, request_id: `req_${i}`, body: r.body }, error: null }));
    });
    b.counts = { total: lines.length, completed: out.length, failed: err.length };
    if (out.length > 0) b.output_file_id = this.addFile('batch_output', `${b.id}_output.jsonl`, `${out.join('\n')}\n`).id;
    if (err.length > 0) b.error_file_id = this.addFile('batch_output', `${b.id}_errors.jsonl`, `${err.join('\n')}\n`).id;
    b.status = expired ? 'expired' : 'completed';
    if (expired) this.s.expired++;
    else this.s.completed++;
  }

  private view(b: BatchState) {
    const now = Math.floor(Date.now() / 1000);
    return {
      id: b.id,
      object: 'batch',
      endpoint: b.endpoint,
      errors: b.errors,
      input_file_id: b.input_file_id,
      completion_window: b.completion_window,
      status: b.status,
      output_file_id: b.output_file_id,
      error_file_id: b.error_file_id,
      created_at: b.created,
      in_progress_at: b.status === 'validating' ? null : b.created,
      expires_at: b.created + 24 * 3600,
      completed_at: b.status === 'completed' ? now : null,
      failed_at: b.status === 'failed' ? now : null,
      expired_at: b.status === 'expired' ? now : null,
      request_counts: b.counts,
      metadata: b.metadata,
    };
  }
}
