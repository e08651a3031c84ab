import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { requestJson } from './request-json.js';

/**
 * The hot path's HTTP: one JSON POST over node:http(s) with a keep-alive agent per endpoint, for chat completions
 * and embeddings (`llm.endpoint.transport: http`, the default). Failures are thrown as the `openai` package's own
 * error classes (APIError by status, APIConnectionError, APIConnectionTimeoutError, APIUserAbortError), so
 * classify-error.ts treats both transports alike.
 *
 * Why not the `openai` client's `fetch` for these calls: measured against the simulator at 0 ms with 256 in flight
 * on 2 cores, a request costs the client process 0.11–0.17 ms of CPU over node:http with a keep-alive agent, against
 * 0.66–1.07 ms through `fetch` (undici) and 0.9–1.08 ms through `openai.chat.completions.create` (README,
 * Dependencies). The `openai` package stays: the Batch API (files, batches) and `transport: openai` use it.
 *
 * Invariants: the agent keeps at most `maxSockets` connections (the endpoint's maxInFlight, so every permitted
 * request has a socket and none queues inside the agent); a request is settled exactly once (reply, error, abort
 * or timeout) and its timer and abort listener are removed when it settles; a request that failed on a reused
 * keep-alive socket before any byte of a reply arrived (most likely the server closed the idle socket as we wrote
 * to it, so it never saw the request) is sent once more on a fresh socket, as Node's documentation recommends.
 */
export interface JsonReply {
  status: number;
  /** Response header by lower-case name. */
  header(name: string): string | undefined;
  data: unknown;
}

export interface PostOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  timeoutMs: number;
}

export class HttpTransport {
  private readonly agent: HttpAgent;
  private readonly https: boolean;
  private readonly host: string;
  private readonly port: string;
  private readonly basePath: string;
  private readonly baseHeaders: OutgoingHttpHeaders;

  constructor(baseUrl: string, apiKey: string, maxSockets: number) {
    const u = new URL(baseUrl);
    this.https = u.protocol === 'https:';
    // Idle sockets close after 4 s, before a server's usual 5 s keep-alive timeout closes them under us.
    const opts = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, timeout: 4_000, scheduling: 'lifo' as const };
    this.agent = this.https ? new HttpsAgent(opts) : new HttpAgent(opts);
    this.host = u.hostname.replace(/^\[|\]$/g, '');
    this.port = u.port;
    this.basePath = u.pathname.replace(/\/+$/, '');
    this.baseHeaders = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', accept: 'application/json' };
  }

  /** POST `body` as JSON to `path` (relative to the base URL); resolves with any status ≥ 200 < 300, throws otherwise. */
  async postJson(path: string, body: unknown, o: PostOptions): Promise<JsonReply> {
    const payload = Buffer.from(requestJson(body));
    try {
      return await this.once(path, payload, o);
    } catch (e) {
      if (e instanceof StaleSocket && !o.signal?.aborted) return this.once(path, payload, o, true);
      throw e instanceof StaleSocket ? e.cause : e;
    }
  }

  private once(path: string, payload: Buffer, o: PostOptions, fresh = false): Promise<JsonReply> {
    const signal = o.signal;
    if (signal?.aborted) return Promise.reject(new APIUserAbortError());
    return new Promise<JsonReply>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (err: unknown, reply?: JsonReply) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(reply!);
      };
      const req = (this.https ? httpsRequest : httpRequest)(
        {
          host: this.host,
          port: this.port,
          method: 'POST',
          path: this.basePath + path,
          headers: { ...this.baseHeaders, ...o.headers, 'content-length': payload.length },
          // A retry after a stale keep-alive socket goes on a new connection.
          agent: fresh ? false : this.agent,
        },
        (res) => this.read(res, finish),
      );
      const onAbort = () => {
        finish(new APIUserAbortError());
        req.destroy();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => {
        finish(new APIConnectionTimeoutError({ message: `Request timed out after ${o.timeoutMs} ms.` }));
        req.destroy();
      }, o.timeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) => {
        // A keep-alive socket the server had closed: nothing of ours was processed, so it may be sent again.
        if (req.reusedSocket && !fresh && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) finish(new StaleSocket(connectionError(e)));
        else finish(connectionError(e));
      });
      req.end(payload);
    });
  }

  private read(res: IncomingMessage, finish: (err: unknown, reply?: JsonReply) => void) {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', (e) => finish(connectionError(e)));
    res.on('aborted', () => finish(new APIConnectionError({ message: 'Connection error.', cause: new Error('response aborted') })));
    res.on('end', () => {
      const status = res.statusCode ?? 0;
      const text = Buffer.concat(chunks).toString('utf8');
      let data: unknown;
      let parsed = true;
      try {
        data = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = false;
      }
      if (status >= 200 && status < 300) {
        if (!parsed || typeof data !== 'object' || data === null)
          return finish(new APIConnectionError({ message: 'Connection error.', cause: new Error(`reply is not a JSON object: ${text.slice(0, 200)}`) }));
        const h = res.headers;
        return finish(undefined, { status, data, header: (name) => first(h[name]) });
      }
      // As the openai client does: the parsed error body (its `error` field) and the raw text as the message.
      finish(APIError.generate(status, parsed ? (data as object) : undefined, parsed ? undefined : text, toHeaders(res.headers)));
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

class StaleSocket extends Error {
  constructor(override readonly cause: APIConnectionError) {
    super('stale keep-alive socket');
  }
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function toHeaders(h: IncomingMessage['headers']): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
  return out;
}

function connectionError(e: unknown): APIConnectionError {
  return new APIConnectionError({ message: 'Connection error.', cause: e instanceof Error ? e : new Error(String(e)) });
}
