import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { createSimulatorMetrics } from '../metrics/catalogue.js';
import { chatContent, malformed, replyModel, type ChatRequestBody } from './chat.js';
import { embedText, toBase64 } from './embeddings.js';
import { FaultOptions, SimOptions, type LatencyOptions, type SimOptionsInput } from './options.js';
import { normal, seededRandom } from './rng.js';
import { SimStats, type SimStatsSnapshot } from './stats.js';
import { SimBatches, type BatchStatsSnapshot } from './batches.js';
import { estimateTokens } from './text.js';
import { CALL_ID_HEADER, SIMULATOR_FINGERPRINT, SIMULATOR_HEADER } from './labels.js';

/**
 * personahub's OpenAI-compatible simulator: POST /v1/chat/completions (json_schema response formats honoured),
 * POST /v1/embeddings, GET /v1/models, plus GET /_sim/stats and POST /_sim/reset for tests.
 *
 * Every reply says it is simulated: the `x-personahub-simulator: 1` header, a `personahub-sim-*` model name and
 * `system_fingerprint: "personahub-simulator"`. Faults are drawn per API request from a seeded generator in
 * arrival order: 429 with Retry-After (answered at once), 500/502/503, "timeout" (held, never answered, until the
 * client hangs up or `hangMs` passes) and malformed 200 replies (cut-off JSON or schema-invalid JSON).
 */
export interface Simulator {
  /** Base URL for an OpenAI client, ending in /v1. */
  url: string;
  port: number;
  stats(windowMs?: number): SimStatsSnapshot;
  /** What the Batch API saw: batches created and how each ended, lines answered and failed. */
  batchStats(): BatchStatsSnapshot;
  reset(): void;
  /** Change fault rates while running (e.g. make an endpoint fail, then recover). Also POST /_sim/faults. */
  setFaults(faults: Partial<FaultOptions>): void;
  close(): Promise<void>;
}

type Outcome = { kind: 'ok' } | { kind: 'rate_limited' } | { kind: 'server_error'; status: number } | { kind: 'timeout' } | { kind: 'malformed'; variant: 'json' | 'schema' };

export function drawLatency(l: LatencyOptions, rand: () => number): number {
  switch (l.dist) {
    case 'fixed':
      return l.ms;
    case 'uniform':
      return l.minMs + rand() * Math.max(0, l.maxMs - l.minMs);
    case 'lognormal':
      return l.ms * Math.exp(l.sigma * normal(rand));
  }
}

export function drawOutcome(f: FaultOptions, rand: () => number): Outcome {
  const u = rand();
  const v = rand();
  let edge = f.rateLimited;
  if (u < edge) return { kind: 'rate_limited' };
  if (u < (edge += f.serverError)) return { kind: 'server_error', status: [500, 502, 503][Math.floor(v * 3)]! };
  if (u < (edge += f.timeout)) return { kind: 'timeout' };
  if (u < (edge += f.malformed)) return { kind: 'malformed', variant: v < 0.5 ? 'json' : 'schema' };
  return { kind: 'ok' };
}

function retryAfterHeaders(f: FaultOptions): Record<string, string> {
  const secs = String(Math.ceil(f.retryAfterMs / 1000));
  switch (f.retryAfterFormat) {
    case 'ms':
      return { 'retry-after-ms': String(f.retryAfterMs) };
    case 'seconds':
      return { 'retry-after': secs };
    case 'date':
      // HTTP dates have whole-second precision: round up so the client never waits less than asked.
      return { 'retry-after': new Date(Math.ceil((Date.now() + f.retryAfterMs) / 1000) * 1000).toUTCString() };
    case 'both':
      return { 'retry-after-ms': String(f.retryAfterMs), 'retry-after': secs };
  }
}

/** The wait a 429 asks for, as the client should read it (the most precise header present). */
function askedWaitMs(f: FaultOptions): number {
  return f.retryAfterFormat === 'ms' || f.retryAfterFormat === 'both' ? f.retryAfterMs : Math.ceil(f.retryAfterMs / 1000) * 1000;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.destroyed || res.writableEnded) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', [SIMULATOR_HEADER]: '1', ...headers });
  res.end(text);
}

const apiError = (message: string, type: string, code: string | null = null) => ({ error: { message, type, param: null, code } });

export async function startSimulator(input: SimOptionsInput = {}): Promise<Simulator> {
  const opts = SimOptions.parse(input);
  const setFaults = (f: Partial<FaultOptions>) => {
    opts.faults = FaultOptions.parse({ ...opts.faults, ...f });
  };
  const stats = new SimStats(opts.maxArrivals);
  const metrics = createSimulatorMetrics(new Registry(), () => stats.counters());
  const faultRand = seededRandom(opts.seed);
  const latencyRand = seededRandom(opts.seed ^ 0x5eed);
  const held = new Set<NodeJS.Timeout>();

  /**
   * Counts an API request in flight from the moment its headers arrive until it leaves (answered, or the client
   * hung up). The in-flight count is what tests compare with the client's limit, so it goes up before the body is
   * read and comes down exactly once, on the first of: response finished, response closed, socket ended.
   */
  interface Visit {
    arrivedAt: number;
    status: number | 'timeout';
    retryAfterMs: number | null;
    key: string | undefined;
    /** The request has left: answered, or the client hung up (then nothing more is sent or counted). */
    gone: boolean;
  }
  function track(req: IncomingMessage, res: ServerResponse): Visit {
    const visit: Visit = { arrivedAt: stats.enter(), status: 'timeout', retryAfterMs: null, key: undefined, gone: false };
    const socket = req.socket;
    const depart = () => {
      if (visit.gone) return;
      visit.gone = true;
      // Keep-alive sockets serve many requests: drop this request's listener or they pile up.
      socket.off('end', depart);
      stats.leave(visit.key, visit.status, visit.retryAfterMs);
    };
    res.once('finish', depart);
    res.once('close', depart);
    // A client that gives up (timeout) closes its socket; 'end' is seen before a new request on another socket.
    socket.once('end', depart);
    return visit;
  }

  /** Decides the request's fault, waits its latency, then answers (or holds it, for a "timeout"). */
  function api(req: IncomingMessage, res: ServerResponse, raw: string, visit: Visit, answer: (outcome: Outcome) => { status: number; body: unknown; tokens: number; usage: { promptTokens: number; completionTokens: number } | null }) {
    visit.key = (req.headers[CALL_ID_HEADER] as string | undefined) ?? createHash('sha1').update(raw).digest('hex');
    stats.arrive(visit.key, visit.arrivedAt);
    const outcome = drawOutcome(opts.faults, faultRand);
    if (outcome.kind === 'rate_limited') {
      stats.fault('rate_limited');
      visit.status = 429;
      visit.retryAfterMs = askedWaitMs(opts.faults);
      send(res, 429, apiError('simulated rate limit', 'rate_limit_error', 'rate_limit_exceeded'), retryAfterHeaders(opts.faults));
      return;
    }
    if (outcome.kind === 'server_error') {
      stats.fault('server_error');
      visit.status = outcome.status;
      send(res, outcome.status, apiError('simulated server error', 'server_error'));
      return;
    }
    if (outcome.kind === 'timeout') {
      stats.fault('timeout');
      const t = setTimeout(() => {
        held.delete(t);
        res.destroy();
      }, opts.faults.hangMs);
      held.add(t);
      res.once('close', () => {
        clearTimeout(t);
        held.delete(t);
      });
      return;
    }
    let reply: ReturnType<typeof answer>;
    try {
      reply = answer(outcome);
    } catch (e) {
      visit.status = 400;
      send(res, 400, apiError(e instanceof Error ? e.message : String(e), 'invalid_request_error'));
      return;
    }
    const delay = drawLatency(opts.latency, latencyRand) + (opts.tokensPerSecond > 0 ? (reply.tokens / opts.tokensPerSecond) * 1000 : 0);
    const finish = () => {
      // A client that hung up is not answered, and the usage of a reply nobody received is not counted.
      if (res.destroyed || visit.gone) return;
      visit.status = reply.status;
      if (reply.status === 200) stats.answered(reply.usage);
      send(res, reply.status, reply.body);
    };
    if (opts.slots === 0) {
      if (delay <= 0) finish();
      else setTimeout(finish, delay);
      return;
    }
    // Limited slots: wait for one in arrival order, work `delay` (even if the client hangs up meanwhile, as a
    // CPU server finishes the completion it started), then answer and hand the slot on.
    slotQueue.push(() =>
      setTimeout(() => {
        finish();
        busySlots--;
        nextSlot();
      }, Math.max(0, delay)),
    );
    nextSlot();
  }
  let busySlots = 0;
  const slotQueue: Array<() => void> = [];
  function nextSlot() {
    while (busySlots < opts.slots && slotQueue.length > 0) {
      busySlots++;
      slotQueue.shift()!();
    }
  }

  function chat(req: IncomingMessage, res: ServerResponse, raw: string, visit: Visit) {
    api(req, res, raw, visit, (outcome) => chatAnswer(raw, outcome));
  }

  /** The reply to one chat completion request body (online, or one line of a batch with outcome ok). */
  function chatAnswer(raw: string, outcome: Outcome) {
    {
      const body = JSON.parse(raw) as ChatRequestBody;
      if (!Array.isArray(body.messages) || body.messages.length === 0) throw new Error('messages must be a non-empty array');
      const c = chatContent(body, opts.seed, opts.compat, opts.math);
      if (c.rejected !== undefined) return { status: 500, tokens: 0, usage: null, body: apiError(c.rejected, 'server_error') };
      let content = c.content;
      if (outcome.kind === 'malformed') {
        stats.fault(outcome.variant === 'json' ? 'malformed_json' : 'malformed_schema');
        content = malformed(content, outcome.variant);
      }
      // A reply longer than the request's cap is cut there, as a real server does (finish_reason "length").
      const cap = typeof body.max_completion_tokens === 'number' ? body.max_completion_tokens : typeof body.max_tokens === 'number' ? body.max_tokens : Infinity;
      if (typeof body.max_completion_tokens === 'number') stats.lengthCap('max_completion_tokens');
      else if (typeof body.max_tokens === 'number') stats.lengthCap('max_tokens');
      let finishReason = 'stop';
      if (estimateTokens(content) > cap) {
        content = content.slice(0, Math.max(0, cap * 4));
        finishReason = 'length';
      }
      const completionTokens = Math.max(1, estimateTokens(content));
      const id = createHash('sha1').update(raw).update(String(opts.seed)).digest('hex').slice(0, 24);
      return {
        status: 200,
        tokens: completionTokens,
        usage: { promptTokens: c.promptTokens, completionTokens },
        body: {
          id: `chatcmpl-sim-${id}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: replyModel(body.model),
          system_fingerprint: SIMULATOR_FINGERPRINT,
          choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: finishReason, logprobs: null }],
          usage: { prompt_tokens: c.promptTokens, completion_tokens: completionTokens, total_tokens: c.promptTokens + completionTokens },
        },
      };
    }
  }

  const batches = new SimBatches(
    () => opts.batch,
    (raw) => {
      try {
        return chatAnswer(raw, { kind: 'ok' });
      } catch (e) {
        return { status: 400, body: apiError(e instanceof Error ? e.message : String(e), 'invalid_request_error'), usage: null };
      }
    },
    (u) => stats.answered(u),
  );

  /** `/v1/files` and `/v1/batches` (src/sim/batches.ts). Returns false when the route is not one of them. */
  async function batchApi(req: IncomingMessage, res: ServerResponse, route: string, raw: string): Promise<boolean> {
    let m: RegExpMatchArray | null;
    if (route === 'POST /v1/files') {
      stats.countRequest('other');
      const form = await new Request('http://sim/v1/files', { method: 'POST', headers: { 'content-type': String(req.headers['content-type'] ?? '') }, body: raw }).formData().catch(() => undefined);
      const file = form?.get('file');
      const purpose = form?.get('purpose');
      if (!form || typeof purpose !== 'string' || file === null || typeof file === 'string' || file === undefined) {
        send(res, 400, apiError('expected multipart/form-data with purpose and file', 'invalid_request_error'));
        return true;
      }
      send(res, 200, batches.fileObject(batches.addFile(purpose, file.name, await file.text())));
      return true;
    }
    if ((m = route.match(/^GET \/v1\/files\/([^/]+)\/content$/))) {
      const f = batches.file(m[1]!);
      if (!f) send(res, 404, apiError(`no file ${m[1]}`, 'invalid_request_error'));
      else {
        res.writeHead(200, { 'content-type': 'application/jsonl', [SIMULATOR_HEADER]: '1' });
        res.end(f.content);
      }
      return true;
    }
    if ((m = route.match(/^GET \/v1\/files\/([^/]+)$/))) {
      const f = batches.file(m[1]!);
      send(res, f ? 200 : 404, f ? batches.fileObject(f) : apiError(`no file ${m[1]}`, 'invalid_request_error'));
      return true;
    }
    if (route === 'POST /v1/batches') {
      stats.countRequest('other');
      const r = isJson(raw) ? batches.create(JSON.parse(raw) as Record<string, unknown>) : { ok: false as const, message: 'body is not JSON' };
      send(res, r.ok ? 200 : 400, r.ok ? r.batch : apiError(r.message, 'invalid_request_error'));
      return true;
    }
    if ((m = route.match(/^GET \/v1\/batches\/([^/]+)$/))) {
      const b = batches.retrieve(m[1]!);
      send(res, b ? 200 : 404, b ?? apiError(`no batch ${m[1]}`, 'invalid_request_error'));
      return true;
    }
    return false;
  }

  function embeddings(req: IncomingMessage, res: ServerResponse, raw: string, visit: Visit) {
    api(req, res, raw, visit, () => {
      const body = JSON.parse(raw) as { model?: string; input?: unknown; encoding_format?: string; dimensions?: number };
      const inputs = typeof body.input === 'string' ? [body.input] : body.input;
      if (!Array.isArray(inputs) || !inputs.every((x) => typeof x === 'string')) throw new Error('input must be a string or an array of strings');
      const dims = typeof body.dimensions === 'number' && body.dimensions > 0 ? body.dimensions : opts.embeddingDims;
      const promptTokens = inputs.reduce((s, x) => s + estimateTokens(x), 0);
      return {
        status: 200,
        tokens: 0,
        usage: { promptTokens, completionTokens: 0 },
        body: {
          object: 'list',
          model: replyModel(body.model ?? `personahub-sim-embed-1`),
          data: inputs.map((text, index) => {
            const v = embedText(text, dims, opts.seed);
            return { object: 'embedding', index, embedding: body.encoding_format === 'base64' ? toBase64(v) : v };
          }),
          usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
        },
      };
    });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
    // API requests count from the moment their headers are in, before the body is read (closest to the send).
    const visit = route === 'POST /v1/chat/completions' || route === 'POST /v1/embeddings' ? track(req, res) : undefined;
    void (async () => {
      const raw = req.method === 'POST' ? await readBody(req) : '';
      switch (route) {
        case 'POST /v1/chat/completions':
          stats.countRequest('chat');
          if (!isJson(raw)) return send(res, 400, apiError('body is not JSON', 'invalid_request_error'));
          return chat(req, res, raw, visit!);
        case 'POST /v1/embeddings':
          stats.countRequest('embeddings');
          if (!isJson(raw)) return send(res, 400, apiError('body is not JSON', 'invalid_request_error'));
          return embeddings(req, res, raw, visit!);
        case 'GET /v1/models':
          stats.countRequest('models');
          return send(res, 200, { object: 'list', data: opts.models.map((id) => ({ id, object: 'model', created: 0, owned_by: SIMULATOR_FINGERPRINT })) });
        case 'GET /_sim/stats': {
          const w = Number(url.searchParams.get('windowMs') ?? 60_000);
          return send(res, 200, stats.snapshot(Number.isFinite(w) && w > 0 ? w : 60_000));
        }
        case 'POST /_sim/faults':
          try {
            setFaults(JSON.parse(raw) as Partial<FaultOptions>);
            return send(res, 200, opts.faults);
          } catch (e) {
            return send(res, 400, apiError(e instanceof Error ? e.message : String(e), 'invalid_request_error'));
          }
        case 'POST /_sim/reset':
          stats.reset();
          return send(res, 200, { reset: true });
        case 'GET /metrics': {
          const text = await metrics.registry.metrics();
          res.writeHead(200, { 'content-type': metrics.registry.contentType, [SIMULATOR_HEADER]: '1' });
          return void res.end(text);
        }
        case 'GET /healthz':
          return send(res, 200, { ok: true, simulator: true });
        default:
          if (await batchApi(req, res, route, raw)) return;
          stats.countRequest('other');
          return send(res, 404, apiError(`no route ${route}`, 'invalid_request_error'));
      }
    })().catch(() => {
      if (!res.headersSent) send(res, 500, apiError('simulator failure', 'server_error'));
      else res.destroy();
    });
  });
  // Keep-alive sockets must not outlive the client's pool much, or close() would wait for them.
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 60_000;
  server.requestTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${hostForUrl}:${port}/v1`,
    port,
    stats: (windowMs?: number) => stats.snapshot(windowMs),
    batchStats: () => batches.stats(),
    reset: () => stats.reset(),
    setFaults,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of held) clearTimeout(t);
        held.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function isJson(raw: string): boolean {
  try {
    JSON.parse(raw);
    return true;
  } catch {
    return false;
  }
}
