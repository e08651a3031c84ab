import type { Registry } from 'prom-client';
import type { Stage } from './stage.js';
import type { ProcessHandle, ProcessOptions, RuntimeDeps, StageHandle } from './types.js';
import { startStage } from './start-stage.js';
import { startHttpServer, type RunningHttpServer } from '../http/server.js';

/**
 * Run several stages in one process: one HTTP server (/metrics, /healthz, /readyz = every stage connected and
 * assigned), one SIGTERM/SIGINT handler that drains every stage. A fatal error in one stage stops them all, so
 * the orchestrator restarts the process instead of leaving it half-working.
 */
export async function runStages(
  stages: Stage<any>[],
  deps: RuntimeDeps,
  options: ProcessOptions & { extraRegistries?: Registry[] } = {},
): Promise<ProcessHandle> {
  const handles: StageHandle[] = [];
  let http: RunningHttpServer | undefined;
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await Promise.allSettled(handles.map((h) => h.stop()));
      await http?.close();
      if (signalHandler) {
        process.off('SIGTERM', signalHandler);
        process.off('SIGINT', signalHandler);
      }
    })());

  let signalHandler: ((sig: NodeJS.Signals) => void) | undefined;
  if (options.signals !== false) {
    signalHandler = (sig) => {
      deps.logger.info({ signal: sig }, 'draining stages');
      void stop();
    };
    process.on('SIGTERM', signalHandler);
    process.on('SIGINT', signalHandler);
  }

  try {
    if (options.http !== false) {
      http = await startHttpServer({
        host: deps.config.http.host,
        port: deps.config.http.port,
        registries: [deps.metrics.registry, ...(options.extraRegistries ?? [])],
        ready: () => handles.length === stages.length && handles.every((h) => h.isReady()),
      });
      deps.logger.info({ port: http.port }, 'http server listening');
    }
    // A handle is listed as soon as its stage exists, not once it has started: a SIGTERM while a start waits for an
    // unreachable broker then stops that stage too (measured: without this, a process signalled then waited for
    // the broker forever).
    for (const stage of stages) await startStage(stage, deps, (h) => handles.push(h));
  } catch (e) {
    await stop();
    throw e;
  }

  // Any stage settling (fatal error) stops the whole process; done rejects with the first fatal error.
  const done = (async () => {
    const results = await Promise.allSettled(
      handles.map((h) =>
        h.done.catch((e: unknown) => {
          void stop();
          throw e;
        }),
      ),
    );
    await stop();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  })();
  done.catch(() => undefined);

  return {
    stages: handles,
    http: http ? { host: http.host, port: http.port } : undefined,
    stop: async () => {
      await stop();
      await done.catch(() => undefined);
    },
    done,
  };
}
