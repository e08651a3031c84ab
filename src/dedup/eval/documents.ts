import { Rng } from './rng.js';
import type { EvalItem } from './personas.js';

/**
 * A labelled web-page set: article pages wrapped in per-site boilerplate (navigation, footer), with
 *   mirror      the same article under another site's boilerplate
 *   syndicated  the same article on another site with a credit line and a sentence added or dropped
 *   updated     the same page with one paragraph rewritten (often below the threshold: a hard negative)
 *   template    another article on the same site (shares only boilerplate: a hard negative)
 * and distinct pages. Words come from a seeded pseudo-word vocabulary with a Zipf distribution, so pages share
 * frequent words the way real pages share "the, of, and". Ground truth: word-Jaccard >= threshold (labels.ts).
 */
const SYL = ['ka', 'lo', 'mi', 'ten', 'ar', 'vus', 'pre', 'shi', 'on', 'del', 'ru', 'gan', 'ex', 'tor', 'bi', 'que', 'lan', 'so', 'fe', 'nim'];

function vocabulary(rng: Rng, n: number): string[] {
  const out = new Set<string>();
  while (out.size < n) {
    let w = '';
    const len = 1 + rng.int(3);
    for (let i = 0; i < len; i++) w += rng.pick(SYL);
    out.add(w);
  }
  return [...out];
}

class Zipf {
  private readonly cdf: Float64Array;
  constructor(private readonly words: string[], s = 1.05) {
    this.cdf = new Float64Array(words.length);
    let acc = 0;
    for (let i = 0; i < words.length; i++) this.cdf[i] = acc += 1 / Math.pow(i + 1, s);
    for (let i = 0; i < words.length; i++) this.cdf[i]! /= acc;
  }
  sample(rng: Rng): string {
    const u = rng.float();
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return this.words[lo]!;
  }
}

function sentence(rng: Rng, z: Zipf): string {
  const n = 8 + rng.int(14);
  const ws = Array.from({ length: n }, () => z.sample(rng));
  ws[0] = ws[0]!.charAt(0).toUpperCase() + ws[0]!.slice(1);
  return ws.join(' ') + '.';
}

function article(rng: Rng, z: Zipf): string[] {
  const paras = 6 + rng.int(10);
  return Array.from({ length: paras }, () => Array.from({ length: 2 + rng.int(4) }, () => sentence(rng, z)).join(' '));
}

interface Site {
  name: string;
  header: string;
  footer: string;
}

function site(rng: Rng, z: Zipf, i: number): Site {
  const name = `site${i}`;
  const nav = Array.from({ length: 6 + rng.int(8) }, () => z.sample(rng)).join(' | ');
  const footer = `Copyright 2024 ${name}. ${sentence(rng, z)} ${sentence(rng, z)} Privacy | Terms | Contact`;
  return { name, header: `${name} | Home | ${nav}`, footer };
}

const render = (s: Site, title: string, paras: string[]) => [s.header, title, ...paras, s.footer].join('\n\n');

export function generateDocumentSet(opts: { seed?: number; articles?: number } = {}): EvalItem[] {
  const rng = new Rng(opts.seed ?? 7);
  const z = new Zipf(vocabulary(rng, 6000));
  const sites = Array.from({ length: 25 }, (_, i) => site(rng, z, i));
  const items: EvalItem[] = [];
  let n = 0;
  const push = (text: string, origin: string, base: string) => items.push({ id: `d${n++}`, text, origin, base });
  for (let a = 0; a < (opts.articles ?? 400); a++) {
    const home = rng.pick(sites);
    const title = sentence(rng, z);
    const paras = article(rng, z);
    const baseId = `d${n}`;
    push(render(home, title, paras), 'base', baseId);
    const variants = rng.int(4); // 0..3 derived pages
    for (let v = 0; v < variants; v++) {
      const r = rng.float();
      if (r < 0.3) push(render(rng.pick(sites), title, paras), 'mirror', baseId);
      else if (r < 0.6) {
        const p = [...paras];
        const i = rng.int(p.length);
        p[i] = rng.chance(0.5) ? p[i] + ' ' + sentence(rng, z) : p[i]!.split('. ').slice(1).join('. ');
        push(render(rng.pick(sites), title, [`Originally published by ${home.name}.`, ...p]), 'syndicated', baseId);
      } else if (r < 0.8) {
        const p = [...paras];
        p[rng.int(p.length)] = Array.from({ length: 3 }, () => sentence(rng, z)).join(' ');
        push(render(home, title, p), 'updated', baseId);
      } else push(render(home, sentence(rng, z), article(rng, z).slice(0, 3)), 'template', baseId);
    }
  }
  return items;
}
