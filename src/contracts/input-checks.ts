/**
 * The semantic half of the input contract (web.documents): checks that a JSON Schema cannot express well, run by
 * zod refinements, so the registered JSON Schema keeps describing the shape only (adding `pattern`s to a registered
 * subject would break BACKWARD compatibility with what is already on the topic). Pure functions, no I/O.
 *
 * Policy (README "Input contract", docs/dataflow.md):
 *  - ids are printable: 1..512 characters, no control characters (Unicode Cc), no lone surrogates, not blank;
 *  - urls are absolute http(s) URLs with a host, without whitespace or control characters (the WHATWG parser
 *    would silently drop tabs and newlines: we refuse rather than alter);
 *  - times are ISO-8601 with a zone (`Z` or an offset), normalised to UTC `toISOString()` form; coerced where the
 *    instant is unambiguous (a space instead of `T`, a date alone = midnight UTC, an RFC 1123 / HTTP date);
 *    a time without a zone, or free text ("yesterday-ish"), is refused;
 *  - text must contain at least one visible (non-whitespace) character.
 */

/** Unicode control characters (C0, DEL, C1) and lone surrogates. */
const UNPRINTABLE = /[\p{Cc}\p{Cs}]/u;

export function isPrintableId(s: string): boolean {
  return s.length > 0 && s.length <= 512 && !UNPRINTABLE.test(s) && s.trim() !== '';
}

export function isHttpUrl(s: string): boolean {
  if (UNPRINTABLE.test(s) || /\s/u.test(s)) return false;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return false;
  }
  return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
}

export const hasVisibleText = (s: string): boolean => /\S/u.test(s);

const ISO_WITH_ZONE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/i;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** RFC 1123 / HTTP-date, e.g. "Tue, 05 Nov 2024 10:00:00 GMT" (the form of HTTP Date and Last-Modified headers). */
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Canonical UTC form (`2024-11-05T10:00:00.000Z`) of an unambiguous time, or undefined. Only the forms listed above
 * are accepted; calendar overflow (2024-02-30) is refused, not rolled over.
 */
export function canonicalTime(s: string): string | undefined {
  const t = s.trim();
  let ms: number;
  const iso = ISO_WITH_ZONE.exec(t);
  if (iso) {
    const [, y, mo, d, h, mi, sec = '00', frac = '', zone = 'Z'] = iso;
    const z = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
    if (!validCalendar(+y!, +mo!, +d!) || +h! > 23 || +mi! > 59 || +sec > 59) return undefined;
    ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${sec}.${(frac + '000').slice(0, 3)}${z}`);
  } else if (DATE_ONLY.test(t)) {
    const [y, mo, d] = t.split('-').map(Number) as [number, number, number];
    if (!validCalendar(y, mo, d)) return undefined;
    ms = Date.UTC(y, mo - 1, d);
  } else if (HTTP_DATE.test(t)) {
    ms = Date.parse(t);
  } else {
    return undefined;
  }
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

function validCalendar(y: number, mo: number, d: number): boolean {
  if (y < 1970 || mo < 1 || mo > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}
