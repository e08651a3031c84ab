import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { topicsFor } from '../../../topics/index.js';
import { loadConfig } from '../../config/load.js';
import { fatal } from '../../errors.js';
import { createRegistryClient } from '../../registry/client.js';
import { generateJsonSchemas } from '../../registry/json-schemas.js';
import { registerValueSubjects } from '../../registry/subjects.js';
import { packagePath } from '../../util/package-root.js';

/**
 * `personahub schemas gen [--check]`: write schemas/*.json from the zod contracts (or, with --check, fail when
 * they differ: what CI and the drift test do).
 * `personahub schemas register [--prefix P]`: register every `<topic>-value` subject with BACKWARD compatibility.
 */
export const SCHEMAS_DIR = `${packagePath('schemas')}/`;

export function register(program: Command): void {
  const schemas = program.command('schemas').description('JSON Schemas of the message contracts (schemas/)');

  schemas
    .command('gen')
    .description('Generate schemas/*.json from the zod contracts')
    .option('--check', 'do not write; exit non-zero if schemas/ differs from the contracts')
    .option('--dir <dir>', 'output directory', SCHEMAS_DIR)
    .action((o: { check?: boolean; dir: string }) => {
      const generated = generateJsonSchemas();
      const wanted = new Set(generated.map((g) => g.fileName));
      const stale: string[] = [];
      mkdirSync(o.dir, { recursive: true });
      for (const g of generated) {
        const path = join(o.dir, g.fileName);
        let current: string | undefined;
        try {
          current = readFileSync(path, 'utf8');
        } catch {
          current = undefined;
        }
        if (current === g.fileText) continue;
        stale.push(g.fileName);
        if (!o.check) writeFileSync(path, g.fileText);
      }
      const extra = readdirSync(o.dir).filter((f) => f.endsWith('.json') && !wanted.has(f));
      if (o.check) {
        if (stale.length > 0 || extra.length > 0) {
          throw fatal('internal', `schemas/ drifted from the zod contracts: ${[...stale, ...extra.map((f) => `${f} (no contract)`)].join(', ')}; run npm run schemas:gen`);
        }
        process.stdout.write(`schemas/ matches the contracts (${generated.length} schemas)\n`);
        return;
      }
      process.stdout.write(`${generated.length} schemas, ${stale.length} written${stale.length ? `: ${stale.join(', ')}` : ''}\n`);
      if (extra.length > 0) process.stdout.write(`warning: no contract for ${extra.join(', ')} (not deleted)\n`);
    });

  schemas
    .command('register')
    .description('Register every <topic>-value subject (JSON Schema) with BACKWARD compatibility')
    .option('--prefix <prefix>', 'topic prefix (test isolation)')
    .option('--json', 'print the result as one JSON object: {compatibility, subjects: [{subject, status, id, version}]}')
    .action(async (_o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ prefix?: string; json?: boolean; config?: string }>();
      const config = loadConfig(o.config);
      const client = createRegistryClient(config.registry);
      const results = await registerValueSubjects(client, topicsFor(o.prefix !== undefined ? { prefix: o.prefix } : {}));
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ compatibility: 'BACKWARD', subjects: results })}\n`);
        return;
      }
      for (const r of results) process.stdout.write(`${r.status.padEnd(10)} ${r.subject}  id=${r.id} version=${r.version}\n`);
      process.stdout.write(`${results.length} subjects, compatibility BACKWARD\n`);
    });
}
