import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/server.js';

const BIN = fileURLToPath(new URL('../../bin/personahub.mjs', import.meta.url));

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`personahub ${args.join(' ')} did not finish within 60 s`));
    }, 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('personahub llm-check', () => {
  it('makes one structured call and one embedding, and says when the endpoint is the simulator', async () => {
    sim = await startSimulator({ port: 0 });
    const r = await run(['llm-check', '--embeddings'], { PERSONAHUB_LLM_BASE_URL: sim.url });
    expect(r.code).toBe(0);
    expect(r.out).toContain('SIMULATOR');
    expect(r.out).toMatch(/embeddings ok: .*256 dimensions/);
    expect(sim.stats().requests).toMatchObject({ chat: 1, embeddings: 1 });
  });

  it('fails with the classified error and a single attempt', async () => {
    sim = await startSimulator({ port: 0, faults: { serverError: 1 } });
    const r = await run(['llm-check'], { PERSONAHUB_LLM_BASE_URL: sim.url });
    expect(r.code).toBe(1);
    expect(r.err).toContain('llm_server_error');
    expect(sim.stats().requests.chat).toBe(1);
  });
});
