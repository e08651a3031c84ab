import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { generateDocumentSet } from '../../dedup/eval/documents.js';
import { evaluateSet, markdownTable } from '../../dedup/eval/evaluate.js';
import { generatePersonaSet } from '../../dedup/eval/personas.js';

const BEGIN = '<!-- dedup-eval:begin -->';
const END = '<!-- dedup-eval:end -->';

/**
 * `personahub dedup-eval [--write README.md] [--export bench/data]`: precision/recall of every filter on the
 * seeded persona and document sets (word-Jaccard ground truth), printed as Markdown; with --write the table
 * replaces the block between the dedup-eval markers of that file.
 */
export function register(program: Command): void {
  program
    .command('dedup-eval')
    .description('Precision/recall of exact, MinHash-LSH, SimHash and simhash-js on the labelled persona and document sets')
    .option('--threshold <t>', 'word-Jaccard ground-truth threshold', '0.9')
    .option('--write <file>', 'replace the dedup-eval block of this Markdown file with the tables')
    .option('--export <dir>', 'also write the sets as JSONL (personas-eval.jsonl, documents-eval.jsonl)')
    .option('--no-simhash-js', 'skip simhash-js (quadratic pairwise comparison)')
    .action((o: { threshold: string; write?: string; export?: string; simhashJs: boolean }) => {
      const threshold = Number(o.threshold);
      const personas = generatePersonaSet();
      const documents = generateDocumentSet();
      if (o.export) {
        mkdirSync(o.export, { recursive: true });
        const jsonl = (xs: object[]) => xs.map((x) => JSON.stringify(x)).join('\n') + '\n';
        writeFileSync(`${o.export}/personas-eval.jsonl`, jsonl(personas.map((p) => ({ id: p.id, persona: p.text, origin: p.origin, base: p.base }))));
        writeFileSync(`${o.export}/documents-eval.jsonl`, jsonl(documents.map((d) => ({ id: d.id, text: d.text, origin: d.origin, base: d.base }))));
      }
      const p = evaluateSet(personas, { threshold, shingleWords: 1, simhashJs: o.simhashJs });
      const d = evaluateSet(documents, { threshold, shingleWords: 2, simhashJs: o.simhashJs });
      const text = [
        `Ground truth: word-set Jaccard >= ${threshold} over all pairs. Pair-level precision/recall; predicted pairs come from each index's own keys.`,
        `Persona set: ${personas.length} items (~${avgWords(personas)} words). Document set: ${documents.length} pages (~${avgWords(documents)} words).`,
        '',
        markdownTable('personas', p),
        '',
        markdownTable('documents', d),
      ].join('\n');
      process.stdout.write(text + '\n');
      if (o.write) {
        const body = existsSync(o.write) ? readFileSync(o.write, 'utf8') : `${BEGIN}\n${END}\n`;
        const start = body.indexOf(BEGIN);
        const end = body.indexOf(END);
        if (start === -1 || end === -1) throw new Error(`${o.write} has no ${BEGIN} ... ${END} block`);
        mkdirSync(dirname(o.write), { recursive: true });
        writeFileSync(o.write, body.slice(0, start + BEGIN.length) + '\n' + text + '\n' + body.slice(end));
      }
    });
}

function avgWords(xs: Array<{ text: string }>): number {
  return Math.round(xs.reduce((s, x) => s + x.text.split(/\s+/).length, 0) / xs.length);
}
