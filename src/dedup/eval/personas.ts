import { Rng } from './rng.js';

/**
 * A labelled persona set in the style of Persona Hub ("A pediatric nurse who ...", ~13 words): distinct personas
 * composed from role / activity / context phrases, near-duplicates made by realistic edits, and hard negatives
 * that change one meaningful word. Labels are NOT taken from the edit: ground truth is exact word-Jaccard >=
 * threshold over all pairs (see labels.ts), so a synonym swap in a 13-word persona (Jaccard 12/14 = 0.86) is a
 * negative, exactly as the paper's MinHash threshold would treat it.
 */
export interface EvalItem {
  id: string;
  text: string;
  /** How the item was made: base | edit:<kind> | hard-negative; the base id it derives from. */
  origin: string;
  base: string;
}

const ROLES = [
  'pediatric nurse', 'high school chemistry teacher', 'retired naval engineer', 'freelance graphic designer',
  'small-town pharmacist', 'wildlife photographer', 'urban planner', 'data journalist', 'amateur astronomer',
  'professional sommelier', 'community organizer', 'marine biologist', 'historical novelist', 'patent attorney',
  'emergency room physician', 'organic farmer', 'museum curator', 'software architect', 'youth football coach',
  'immigration lawyer', 'jazz saxophonist', 'structural geologist', 'hospice chaplain', 'esports commentator',
  'airline pilot', 'speech therapist', 'antique clock restorer', 'beekeeper', 'civil rights historian',
  'supply chain analyst', 'stand-up comedian', 'forensic accountant', 'kindergarten teacher', 'venture capitalist',
  'documentary filmmaker', 'veterinary surgeon', 'climate policy researcher', 'library archivist',
  'video game level designer', 'textile conservator', 'sports physiotherapist', 'mountain rescue volunteer',
  'ceramics artist', 'labor union representative', 'cryptographer', 'food truck owner', 'midwife',
  'robotics graduate student', 'tax consultant', 'opera singer', 'park ranger', 'social media strategist',
  'ornithologist', 'bridge inspector', 'sign language interpreter', 'wine importer', 'epidemiologist',
  'bakery owner', 'ballet instructor', 'quantum physicist', 'ship captain', 'radio host', 'translator',
];
const ACTIVITIES = [
  'specializes in caring for premature infants', 'designs hands-on experiments for curious teenagers',
  'restores vintage sailboats on weekends', 'creates brand identities for local nonprofits',
  'advises elderly patients on managing their medications', 'tracks migrating snow leopards across remote valleys',
  'redesigns neighborhoods around public transit', 'analyzes government spending records',
  'photographs distant galaxies from a backyard observatory', 'pairs rare wines with regional dishes',
  'mobilizes tenants to fight unfair evictions', 'studies coral reef recovery after bleaching events',
  'writes sweeping sagas set in medieval Venice', 'defends startups in software patent disputes',
  'treats trauma victims during overnight shifts', 'grows heirloom tomatoes without synthetic pesticides',
  'curates exhibitions on ancient Mesopotamian pottery', 'builds distributed payment systems',
  'teaches teamwork to underprivileged children', 'helps refugee families navigate asylum hearings',
  'improvises late-night sets in smoky clubs', 'maps fault lines in earthquake-prone regions',
  'comforts terminally ill patients and their families', 'narrates international tournament finals',
  'flies long-haul routes across the Pacific', 'helps stroke survivors regain their speech',
  'repairs eighteenth-century pendulum mechanisms', 'keeps rooftop hives in the city center',
  'documents forgotten voices of the civil rights movement', 'forecasts shortages in global shipping',
  'tells stories about growing up in a large family', 'uncovers hidden fraud in corporate ledgers',
  'uses songs and games to teach early reading', 'funds early-stage clean energy companies',
  'films the daily lives of arctic fishing communities', 'operates on injured racehorses',
  'models the economic costs of rising sea levels', 'digitizes fragile handwritten manuscripts',
  'builds puzzle levels for indie adventure games', 'preserves historic tapestries for national museums',
  'rehabilitates injured marathon runners', 'searches for lost hikers in winter storms',
  'throws large stoneware vases on a kick wheel', 'negotiates contracts for warehouse workers',
  'designs encryption schemes resistant to quantum attacks', 'serves fusion tacos at music festivals',
  'supports home births in rural communities', 'programs robots that assist in elderly care',
  'guides small businesses through complicated tax audits', 'performs leading roles in Italian operas',
  'protects endangered species in a national park', 'grows online audiences for fashion brands',
];
const CONTEXTS = [
  'and volunteers at a free clinic', 'and mentors first-generation college students', 'in a coastal fishing town',
  'while raising three children', 'and writes a popular newsletter about it', 'after a career in the military',
  'and advocates for accessible design', 'in a rapidly gentrifying city', 'with a passion for open data',
  'and speaks four languages', 'despite a fear of public speaking', 'and collects vintage maps',
  'in the Scottish Highlands', 'and coaches a local chess club', 'with a focus on sustainability',
  'and hosts a weekly podcast', 'in a remote Alaskan village', 'and loves competitive baking',
  '', '', '', '',
];
/** Words inserted by an "added word" edit, and synonym pairs for the "synonym" edit. */
const FILLERS = ['dedicated', 'experienced', 'local', 'passionate', 'young', 'seasoned', 'curious', 'busy', 'devoted'];
const SYNONYMS: Array<[string, string]> = [
  ['helps', 'assists'], ['builds', 'constructs'], ['teaches', 'instructs'], ['large', 'big'], ['fight', 'combat'],
  ['remote', 'isolated'], ['studies', 'researches'], ['creates', 'makes'], ['small', 'little'], ['loves', 'enjoys'],
  ['local', 'nearby'], ['children', 'kids'], ['writes', 'authors'], ['city', 'town'], ['popular', 'well-known'],
];
/** One-meaningful-word swaps that change who the persona is (hard negatives). */
const HARD: Array<[string, string]> = [
  ['pediatric', 'geriatric'], ['high school', 'middle school'], ['retired', 'active'], ['freelance', 'staff'],
  ['premature', 'newborn'], ['weekends', 'weekdays'], ['local', 'national'], ['elderly', 'young'],
  ['ancient', 'modern'], ['medieval', 'modern'], ['overnight', 'daytime'], ['indie', 'mobile'], ['winter', 'summer'],
  ['Pacific', 'Atlantic'], ['Italian', 'German'], ['rural', 'urban'], ['three', 'four'], ['coastal', 'mountain'],
];

function basePersona(rng: Rng): string {
  const role = rng.pick(ROLES);
  const article = /^[aeiou]/.test(role) ? 'An' : 'A';
  const ctx = rng.pick(CONTEXTS);
  return `${article} ${role} who ${rng.pick(ACTIVITIES)}${ctx ? ' ' + ctx : ''}.`;
}

const EDITS = ['case-punct', 'word-swap', 'add-word', 'remove-word', 'synonym', 'add-and-case', 'two-words'] as const;

function edit(rng: Rng, text: string, kind: (typeof EDITS)[number]): string {
  const ws = text.replace(/\.$/, '').split(' ');
  switch (kind) {
    case 'case-punct':
      return rng.chance(0.5) ? text.toLowerCase().replace(/\.$/, '') : text.replace(' who ', ', who ').toUpperCase();
    case 'word-swap': {
      const i = 1 + rng.int(ws.length - 2);
      [ws[i], ws[i + 1]] = [ws[i + 1]!, ws[i]!];
      return ws.join(' ') + '.';
    }
    case 'add-word':
      ws.splice(1 + rng.int(ws.length - 1), 0, rng.pick(FILLERS));
      return ws.join(' ') + '.';
    case 'remove-word':
      ws.splice(2 + rng.int(ws.length - 2), 1);
      return ws.join(' ') + '.';
    case 'synonym': {
      const pairs = SYNONYMS.filter(([a]) => ws.includes(a));
      if (pairs.length === 0) return edit(rng, text, 'add-word');
      const [a, b] = rng.pick(pairs);
      return ws.map((w) => (w === a ? b : w)).join(' ') + '.';
    }
    case 'add-and-case':
      return edit(rng, edit(rng, text, 'add-word'), 'case-punct');
    case 'two-words':
      return edit(rng, edit(rng, text, 'add-word'), 'remove-word');
  }
}

export function generatePersonaSet(opts: { seed?: number; bases?: number } = {}): EvalItem[] {
  const rng = new Rng(opts.seed ?? 42);
  const bases = opts.bases ?? 1500;
  const items: EvalItem[] = [];
  const seen = new Set<string>();
  let n = 0;
  const push = (text: string, origin: string, base: string) => {
    if (seen.has(text)) return;
    seen.add(text);
    items.push({ id: `p${n++}`, text, origin, base });
  };
  for (let b = 0; b < bases; b++) {
    const text = basePersona(rng);
    if (seen.has(text)) continue;
    const baseId = `p${n}`;
    push(text, 'base', baseId);
    const variants = rng.int(3); // 0, 1 or 2 near-duplicate edits
    for (let v = 0; v < variants; v++) {
      const kind = rng.pick(EDITS);
      push(edit(rng, text, kind), `edit:${kind}`, baseId);
    }
    if (rng.chance(0.2)) {
      const pairs = HARD.filter(([a]) => text.includes(a));
      if (pairs.length > 0) {
        const [a, z] = rng.pick(pairs);
        push(text.replace(a, z), 'hard-negative', baseId);
      }
    }
  }
  return items;
}
