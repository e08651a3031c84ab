import { describe, expect, it } from 'vitest';
import { WebDocument } from '../../src/contracts/web-document.js';
import { canonicalTime, isHttpUrl, isPrintableId } from '../../src/contracts/input-checks.js';

/** The input contract of web.documents (issue #11 defects 3 and 5): what is accepted, coerced and refused. */
const base = { id: 'doc-1', url: 'https://example.org/page', text: 'Some page text.', fetchedAt: '2026-01-02T03:04:05Z' };

describe('WebDocument input contract', () => {
  it('accepts the minimal crawler document {id,url,text,fetchedAt}: source defaults to "unknown"', () => {
    const r = WebDocument.safeParse(base);
    expect(r.success).toBe(true);
    expect(r.data).toEqual({ ...base, fetchedAt: '2026-01-02T03:04:05.000Z', source: 'unknown' });
  });

  it('drops unknown extra fields and keeps the known ones', () => {
    const r = WebDocument.parse({ ...base, source: 'crawl-7', lang: 'de', extra: { nested: true }, html: '<p>x</p>' });
    expect(r).toEqual({ ...base, fetchedAt: '2026-01-02T03:04:05.000Z', source: 'crawl-7', lang: 'de' });
  });

  it.each([
    ['a url that is not a url', { url: 'not a url at all; DROP TABLE pages;--' }, 'url'],
    ['a non-http url', { url: 'javascript:alert(1)' }, 'url'],
    ['a url with a newline the URL parser would drop', { url: 'https://exa\nmple.org/' }, 'url'],
    ['a vague time', { fetchedAt: 'yesterday-ish' }, 'fetchedAt'],
    ['a time without a zone', { fetchedAt: '2026-01-02T03:04:05' }, 'fetchedAt'],
    ['an impossible date', { fetchedAt: '2026-02-30T00:00:00Z' }, 'fetchedAt'],
    ['an id of control characters', { id: '\u0001'.repeat(200) }, 'id'],
    ['an id with one control character', { id: 'doc\u0000-1' }, 'id'],
    ['a blank id', { id: '   ' }, 'id'],
    ['an id over 512 characters', { id: 'x'.repeat(513) }, 'id'],
    ['whitespace-only text', { text: ' \n\t\u00a0 ' }, 'text'],
    ['empty text', { text: '' }, 'text'],
  ])('refuses %s', (_what, patch, field) => {
    const r = WebDocument.safeParse({ ...base, ...patch });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path[0])).toContain(field);
  });

  it.each([
    ['2026-01-02T03:04:05Z', '2026-01-02T03:04:05.000Z'],
    ['2026-01-02 03:04:05Z', '2026-01-02T03:04:05.000Z'],
    ['2026-01-02T05:04:05+02:00', '2026-01-02T03:04:05.000Z'],
    ['2026-01-02T03:04:05.123456Z', '2026-01-02T03:04:05.123Z'],
    ['2026-01-02T03:04Z', '2026-01-02T03:04:00.000Z'],
    ['2026-01-02', '2026-01-02T00:00:00.000Z'],
    ['Fri, 02 Jan 2026 03:04:05 GMT', '2026-01-02T03:04:05.000Z'],
  ])('coerces the unambiguous time %s to %s', (input, canonical) => {
    expect(canonicalTime(input)).toBe(canonical);
    expect(WebDocument.parse({ ...base, fetchedAt: input }).fetchedAt).toBe(canonical);
  });

  it('checks ids and urls as documented', () => {
    expect(isPrintableId('urn:uuid:6f1c-ü-✓')).toBe(true);
    expect(isPrintableId('a\u0085b')).toBe(false); // C1 control
    expect(isHttpUrl('http://example.org')).toBe(true);
    expect(isHttpUrl('https://例え.jp/パス?q=1')).toBe(true);
    expect(isHttpUrl('ftp://example.org/file')).toBe(false);
    expect(isHttpUrl('/relative/path')).toBe(false);
  });
});
