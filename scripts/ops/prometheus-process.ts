/**
 * A private Prometheus (Debian's `prometheus` binary) on a free port with its own temp data dir, scraping the
 * targets it is given. Used by the dashboard integration test and `npm run dashboard:snapshot`, so neither ever
 * touches the shared stack's Prometheus on 19090.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface PrometheusOptions {
  /** host:port targets of job `personahub`. */
  targets: string[];
  scrapeIntervalSeconds?: number;
  /** Deadline for /-/ready. */
  startTimeoutMs?: number;
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}
export interface RangeSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export class PrometheusProcess {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
    private readonly log: () => string,
  ) {}

  static async start(opts: PrometheusOptions): Promise<PrometheusProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'personahub-prom-'));
    const port = await freePort();
    const interval = `${opts.scrapeIntervalSeconds ?? 1}s`;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: interval, evaluation_interval: interval },
        scrape_configs: [{ job_name: 'personahub', static_configs: [{ targets: opts.targets }] }],
      }),
    );
    const child = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    // If the owner dies without stop() (a crashed test worker), take the private Prometheus with it.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-4000);
    });
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('error', (e) => reject(new Error(`cannot start prometheus (apt-get install prometheus): ${e.message}`)));
      child.once('spawn', () => resolve());
    });
    await spawned;
    const prom = new PrometheusProcess(`http://127.0.0.1:${port}`, child, dir, () => stderr);
    const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${stderr}`);
      try {
        if ((await fetch(`${prom.url}/-/ready`)).ok) return prom;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await prom.stop();
        throw new Error(`prometheus not ready within ${opts.startTimeoutMs ?? 30_000} ms: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async api<T>(path: string, params: Record<string, string>): Promise<T> {
    const res = await fetch(`${this.url}/api/v1/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params),
    });
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path} ${JSON.stringify(params)}: ${body.error}`);
    return body.data;
  }

  async query(expr: string, time?: number): Promise<Sample[]> {
    const data = await this.api<{ result: Sample[] }>('query', { query: expr, ...(time !== undefined ? { time: String(time) } : {}) });
    return data.result;
  }

  async queryRange(expr: string, start: number, end: number, stepSeconds: number): Promise<RangeSeries[]> {
    const data = await this.api<{ result: RangeSeries[] }>('query_range', {
      query: expr, start: String(start), end: String(end), step: String(stepSeconds),
    });
    return data.result;
  }

  async labelValues(label: string, match: string): Promise<string[]> {
    const res = await fetch(`${this.url}/api/v1/label/${label}/values?${new URLSearchParams({ 'match[]': match })}`);
    const body = (await res.json()) as { data: string[] };
    return body.data;
  }

  /** Poll `check` until it returns a value (not undefined) or the deadline passes. */
  async waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await check();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.log()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
