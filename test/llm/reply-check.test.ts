import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { createLlmClient } from '../../src/llm/client.js';
import { createMetrics } from '../../src/metrics/catalogue.js';

/**
 * A request's `check` (a rule the schema cannot express) turns a schema-valid reply into a malformed one: the
 * client re-asks with the check's reason in the conversation, and fails llm_malformed_reply with that reason once
 * the re-asks are used up. The server answers from a script and records what it was sent.
 */
const Reply = z.object({ word: z.string() });

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

/**
 * Replies `{"word": w}` for each scripted word in turn (the last one from then on); a `…` word is a reply cut off at
 * max_tokens; `<echo>` replies with the last message it was sent as the word.
 */
async function scriptedServer(words: string[]): Promise<{ url: string; asked: Array<Array<{ role: string; content: string }>> }> {
  const asked: Array<Array<{ role: string; content: string }>> = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages: Array<{ role: string; content: string }> };
      asked.push(body.messages);
      const scripted = words[Math.min(asked.length - 1, words.length - 1)]!;
      const word = scripted === '<echo>' ? body.messages.at(-1)!.content : scripted;
      const cut = word.endsWith('…');
      const content = cut ? `{"word":"${word.repeat(50)}` : JSON.stringify({ word });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', model: 'scripted-1', choices: [{ index: 0, finish_reason: cut ? 'length' : 'stop', message: { role: 'assistant', content } }], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } }));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/v1`, asked };
}

const clientAt = (url: string) =>
  createLlmClient({ endpoint: { baseUrl: url, maxMalformedReplies: 3 }, structuredOutput: 'json_object' }, { metrics: createMetrics(new Registry()) });
const ask = {
  stage: 'extract',
  messages: [{ role: 'user' as const, content: 'one word that is not "parrot"' }],
  schema: Reply,
  schemaName: 'word',
  check: (v: { word: string }) => (v.word === 'parrot' ? 'word repeats the question' : undefined),
};

describe('re-asking after a reply cut off at max_tokens', () => {
  it('sends the original conversation and a note, without echoing the cut-off reply', async () => {
    const s = await scriptedServer(['loop loop…', 'kestrel']);
    const client = clientAt(s.url);
    const r = await client.complete(ask);
    expect(r.value).toEqual({ word: 'kestrel' });
    const reask = s.asked[1]!;
    expect(reask.slice(0, -1)).toEqual(s.asked[0]);
    expect(reask.at(-1)).toMatchObject({ role: 'user' });
    expect(reask.at(-1)!.content).toMatch(/cut off/);
    expect(JSON.stringify(reask)).not.toContain('loop loop');
    await client.close();
  });
});

describe("a request's reply check", () => {
  it('a reply the check rejects is re-asked with the reason; the next, accepted reply is the result', async () => {
    const s = await scriptedServer(['parrot', 'kestrel']);
    const client = clientAt(s.url);
    const r = await client.complete(ask);
    expect(r.value).toEqual({ word: 'kestrel' });
    expect(r.attempts).toBe(2);
    expect(s.asked).toHaveLength(2);
    const reask = s.asked[1]!;
    expect(reask.at(-2)).toMatchObject({ role: 'assistant', content: '{"word":"parrot"}' });
    expect(reask.at(-1)!.content).toContain('word repeats the question');
    await client.close();
  });

  it('only the first re-ask shows the model its bad reply; later ones ask afresh with the note', async () => {
    const s = await scriptedServer(['parrot', 'parrot', 'kestrel']);
    const client = clientAt(s.url);
    const r = await client.complete(ask);
    expect(r.value).toEqual({ word: 'kestrel' });
    const [first, second, third] = s.asked;
    expect(second!.slice(0, first!.length)).toEqual(first);
    expect(second!.map((m) => m.role)).toEqual([...first!.map((m) => m.role), 'assistant', 'user']);
    expect(third!.slice(0, -1)).toEqual(first);
    expect(third!.at(-1)).toMatchObject({ role: 'user' });
    expect(third!.at(-1)!.content).toContain('word repeats the question');
    await client.close();
  });

  it('a reply the check keeps rejecting fails llm_malformed_reply with the reason after maxMalformedReplies', async () => {
    const s = await scriptedServer(['parrot']);
    const client = clientAt(s.url);
    const err = await client.complete(ask).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'poison', code: 'llm_malformed_reply' });
    expect((err as Error).message).toContain('word repeats the question');
    expect(s.asked).toHaveLength(3);
    await client.close();
  });

  it('without a check the same reply is the result at once', async () => {
    const s = await scriptedServer(['parrot']);
    const client = clientAt(s.url);
    const { check: _unused, ...unchecked } = ask;
    const r = await client.complete(unchecked);
    expect(r.value).toEqual({ word: 'parrot' });
    expect(s.asked).toHaveLength(1);
    await client.close();
  });
});

describe('a reply that writes the re-ask note back', () => {
  it('is malformed too: re-asked, and the note says it repeated the note', async () => {
    const s = await scriptedServer(['parrot', '<echo>', 'kestrel']);
    const client = clientAt(s.url);
    const r = await client.complete(ask);
    expect(r.value).toEqual({ word: 'kestrel' });
    expect(r.attempts).toBe(3);
    expect(s.asked[2]!.at(-1)!.content).toContain('(the reply repeats the re-ask note ("that reply was not usable word repeats the …") instead of answering)');
    await client.close();
  });

  it('a few words of the note (fewer than 8 in a row) are an answer like any other', async () => {
    const s = await scriptedServer(['parrot', 'that reply was not usable, said the kestrel']);
    const client = clientAt(s.url);
    const r = await client.complete(ask);
    expect(r.value).toEqual({ word: 'that reply was not usable, said the kestrel' });
    await client.close();
  });
});

describe('the error of a call that stays malformed', () => {
  it("names the reason and shows the model's last reply, bounded at both ends", async () => {
    const long = `lentils${'x'.repeat(400)}ghee`;
    const s = await scriptedServer([long]);
    const client = clientAt(s.url);
    const err = (await client.complete({ ...ask, check: () => 'always wrong' }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^malformed LLM reply: always wrong; the reply: \d+ chars, "\{\\"word\\":\\"lentilsx+" … "x+ghee\\"\}"$/);
    expect(err.message.length).toBeLessThan(300);
    await client.close();
  });
});
