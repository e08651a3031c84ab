import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('./fixtures/slow-stage.ts', import.meta.url));

export interface StageChild {
  proc: ChildProcess;
  /** `partition:offset` of every record the child handed to its stage. */
  begun: string[];
  ready: Promise<void>;
  exited: Promise<number | null>;
  stderr: () => string;
}

/** Run test/runtime/fixtures/slow-stage.ts in a child process (tsx), collecting its stdout protocol. */
export function spawnSlowStage(args: string[], env: NodeJS.ProcessEnv = {}): StageChild {
  const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], {
    env: { ...process.env, PERSONAHUB_LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const begun: string[] = [];
  let err = '';
  let buf = '';
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  proc.stdout!.on('data', (chunk: Buffer) => {
    buf += chunk.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line === 'ready') markReady();
      else if (line.startsWith('begin ')) begun.push(line.slice(6));
    }
  });
  proc.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-20_000)));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return { proc, begun, ready, exited, stderr: () => err };
}
