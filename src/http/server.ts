import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/**
 * The per-process HTTP endpoints:
 *   /metrics  Prometheus text format from the injected registries (merged)
 *   /healthz  200 while the process is alive (liveness)
 *   /readyz   200 when `ready()` says every stage is connected and assigned, else 503 (readiness)
 */
export interface HttpServerOptions {
  host: string;
  port: number;
  registries: Registry[];
  ready: () => boolean;
}

export interface RunningHttpServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function startHttpServer(opts: HttpServerOptions): Promise<RunningHttpServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const ok = opts.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not ready\n');
    } else if (path === '/metrics') {
      metricsText(opts.registries).then(
        ({ text, contentType }) => res.writeHead(200, { 'content-type': contentType }).end(text),
        (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e)),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    host: addr.address,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function metricsText(registries: Registry[]): Promise<{ text: string; contentType: string }> {
  const texts = await Promise.all(registries.map((r) => r.metrics()));
  return { text: texts.join('\n'), contentType: registries[0]?.contentType ?? 'text/plain; version=0.0.4' };
}
