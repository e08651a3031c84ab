import { stringify } from 'yaml';
import type { ExportStats } from './stats.js';

/**
 * The dataset card (README.md) of a Hugging Face `datasets` folder: YAML front matter the Hub and
 * `load_dataset(<folder>)` read (licence, the split → file pattern mapping), then what a trainer needs to know
 * before using the rows: the source topic, scenario, models (and whether they were the simulator's), prompt
 * versions, counts, and the licence situation of the source text.
 */
export interface CardInput {
  topic: string;
  split: string;
  license: string;
  prettyName: string;
  stats: ExportStats;
  shards: number;
  exportedAt: string;
  follow: boolean;
}

export function sizeCategory(n: number): string {
  if (n < 1_000) return 'n<1K';
  if (n < 10_000) return '1K<n<10K';
  if (n < 100_000) return '10K<n<100K';
  if (n < 1_000_000) return '100K<n<1M';
  if (n < 10_000_000) return '1M<n<10M';
  return '10M<n<100M';
}

const table = (m: Record<string, number>, mark: (k: string) => string = () => '') =>
  Object.entries(m)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k}${mark(k)} (${n})`)
    .join(', ') || '-';

export function renderCard(c: CardInput): string {
  const s = c.stats;
  const front = {
    license: c.license,
    pretty_name: c.prettyName,
    tags: ['synthetic', 'persona-hub', 'personahub', ...(s.simulatedRows > 0 ? ['simulated'] : [])],
    task_categories: ['text-generation'],
    size_categories: [sizeCategory(s.rows)],
    configs: [{ config_name: 'default', data_files: [{ split: c.split, path: `data/${c.split}-*.parquet` }] }],
  };
  const simulatedNote =
    s.simulatedRows > 0
      ? `\n> **${s.simulatedRows} of ${s.rows} rows were produced by personahub's LLM simulator** (provenance.simulated = true): ` +
        'their text is deterministic filler derived from the prompt, not model output. Do not train on them.\n'
      : '';
  return `---\n${stringify(front)}---\n
# ${c.prettyName}

Synthetic data exported by \`personahub export --format hf\` from the Kafka topic \`${c.topic}\`${c.follow ? ' (continuous export: shards are added as records arrive; this card is rewritten with each shard)' : ''}.
personahub infers personas from web text (Text-to-Persona, Persona-to-Persona) and has an LLM write samples from each
persona (after Chan et al., 2024, *Scaling Synthetic Data Creation with 1,000,000,000 Personas*).
${simulatedNote}
| | |
|---|---|
| source topic | \`${c.topic}\` |
| split | \`${c.split}\`: ${s.rows} rows in ${c.shards} Parquet shard(s), \`data/${c.split}-*.parquet\` |
| scenario | ${table(s.scenarios)} |
| models | ${table(s.models)} |
| prompt versions | ${table(s.prompts)} |
| rows answered from the LLM response cache | ${s.cacheHitRows} |
| records created | ${s.firstCreatedAt ?? '-'} … ${s.lastCreatedAt ?? '-'} |
| exported | ${c.exportedAt} |

## Columns

One row per record of the topic, columns as in its contract (\`schemas/\` in personahub): nested objects
(\`output\`, \`provenance\`, \`lineage\`) are Parquet structs; \`provenance.params\` (free keys of mixed types) is
a JSON string (field metadata \`personahub.encoding: json\`).

## Licence

Declared licence of this export: \`${c.license}\`. The personas were inferred from crawled web pages
(\`lineage.rootUrl\` names each one's source page); whoever publishes this dataset must make sure the terms of those
pages and of the model provider allow it.
`;
}
