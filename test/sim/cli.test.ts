import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/personahub.mjs', import.meta.url));

describe('personahub sim (CLI)', () => {
  it('maps its flags onto the simulator, prints its URL, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'sim', '--port', '0', '--fault-429', '1', '--retry-after-ms', '2500', '--retry-after-format', 'ms', '--seed', '3'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const lines = createInterface({ input: child.stdout });
      const [url] = (await Promise.race([
        once(lines, 'line'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('simulator did not print its URL within 60 s')), 60_000)),
      ])) as [string];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const r = await fetch(`${url}/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) });
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after-ms')).toBe('2500');
      expect(r.headers.get('retry-after')).toBeNull();
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
