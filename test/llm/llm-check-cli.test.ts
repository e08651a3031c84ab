import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { COMPAT_PRESETS } from '../../src/sim/options.js';
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
    // One probe (json_schema is honoured at once) and the check itself.
    expect(r.out).toContain('structured output: json_schema (negotiated: json_schema ok)');
    expect(sim.stats().requests).toMatchObject({ chat: 2, embeddings: 1 });
  });

  it('prints what auto found on a server that behaves like llama-cpp-python', async () => {
    sim = await startSimulator({ port: 0, compat: COMPAT_PRESETS['llama-cpp-python'] });
    const r = await run(['llm-check'], { PERSONAHUB_LLM_BASE_URL: sim.url });
    expect(r.code).toBe(0);
    expect(r.out).toContain('structured output: json_object_schema (negotiated: json_schema rejected, json_object_schema ok)');
    expect(r.out).toMatch(/json_schema: rejected: .*500/);
    expect(sim.stats().requests.chat).toBe(3);
  });

  it('a configured mode is used without a probe', async () => {
    sim = await startSimulator({ port: 0, compat: COMPAT_PRESETS['plain-chat'] });
    const r = await run(['llm-check'], { PERSONAHUB_LLM_BASE_URL: sim.url, PERSONAHUB_LLM_STRUCTURED_OUTPUT: 'prompt' });
    expect(r.code).toBe(0);
    expect(r.out).toContain('structured output: prompt (configured)');
    expect(sim.stats().requests.chat).toBe(1);
  });

  it('fails with the classified error and a single attempt', async () => {
    sim = await startSimulator({ port: 0, faults: { serverError: 1 } });
    const r = await run(['llm-check'], { PERSONAHUB_LLM_BASE_URL: sim.url, PERSONAHUB_LLM_STRUCTURED_OUTPUT: 'json_schema' });
    expect(r.code).toBe(1);
    expect(r.err).toContain('llm_server_error');
    expect(sim.stats().requests.chat).toBe(1);
  });

  it('auto against a failing endpoint fails with the server error (not "prompt"), after one request per format', async () => {
    sim = await startSimulator({ port: 0, faults: { serverError: 1 } });
    const r = await run(['llm-check'], { PERSONAHUB_LLM_BASE_URL: sim.url });
    expect(r.code).toBe(1);
    expect(r.err).toContain('llm_server_error');
    expect(sim.stats().requests.chat).toBe(3);
  });
});
