/**
 * Salient terms of a text: the words the simulator builds its replies from. Lower-cased words of three or more
 * letters, minus stopwords, URL parts, prompt markers and the simulator's own template words, ranked by frequency
 * and then by first occurrence. Near-identical texts share most of their top terms, so their simulated personas
 * come out near-identical too (which gives dedup real work), while unrelated texts get unrelated terms.
 */

const STOPWORDS = new Set(
  (
    // English function words
    'the and for are but not you all any can had her was one our out has his how its may new now old see two way who ' +
    'did get him let put say she too use that with have this will your from they know want been good much some time ' +
    'very when come here just like long make many more only over such take than them well were what which their ' +
    'there these those then into also after before about above below could would should other each most both ' +
    'between under again further once same own few nor off yet because while where why does doing being having ' +
    'itself themselves himself herself ourselves yours mine ours theirs whom whose upon onto within without among ' +
    'through during against across around along toward towards per via etc even ever every still just really quite ' +
    'rather might must shall yes okay able unless until whether though although however therefore thus hence ' +
    // web and prompt scaffolding
    'http https www com org net html htm php asp source document persona personas text json reply answer ' +
    'markers marker data instructions instruction ' +
    // words of the simulator's own templates, so expanded personas do not converge on them
    'who works writes studies teaches reports builds organises advises researches campaigns cares runs ' +
    'person people someone related relation relationship kind sentence'
  ).split(/\s+/),
);

const WORD = /\p{L}[\p{L}\p{N}'’-]*/gu;
const URL = /\bhttps?:\/\/\S+/gi;
const MARKER = /<{2,}\s*\w+|\w+\s*>{2,}/g;

export function words(text: string): string[] {
  const cleaned = text.replace(URL, ' ').replace(MARKER, ' ');
  const out: string[] = [];
  for (const m of cleaned.matchAll(WORD)) {
    const w = m[0].toLowerCase().replace(/['’-]+$/u, '');
    if (w.length >= 3 && !STOPWORDS.has(w)) out.push(w);
  }
  return out;
}

/** The `k` most frequent non-stopwords; ties broken by first occurrence. Never empty: falls back to 'topic'. */
export function salientTerms(text: string, k = 8): string[] {
  const counts = new Map<string, { n: number; first: number }>();
  words(text).forEach((w, i) => {
    const c = counts.get(w);
    if (c) c.n++;
    else counts.set(w, { n: 1, first: i });
  });
  const ranked = [...counts.entries()].sort((a, b) => b[1].n - a[1].n || a[1].first - b[1].first).map(([w]) => w);
  return ranked.length > 0 ? ranked.slice(0, k) : ['topic'];
}

/** Rough token count (about four characters per token), the estimate used for usage fields. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export const capitalize = (w: string) => (w.length === 0 ? w : w[0]!.toUpperCase() + w.slice(1));
