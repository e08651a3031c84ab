import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { Config } from './schema.js';
import { fatal } from '../errors.js';

/**
 * Environment overrides for the addresses that differ per machine. Everything else comes from the YAML file.
 * Names are documented in the README's configuration section.
 */
const ENV_OVERRIDES: Array<[env: string, path: string[], parse: (v: string) => unknown]> = [
  ['PERSONAHUB_KAFKA_BROKERS', ['kafka', 'brokers'], (v) => v.split(',').map((s) => s.trim()).filter(Boolean)],
  ['PERSONAHUB_REGISTRY_URL', ['registry', 'url'], (v) => v],
  ['PERSONAHUB_LLM_BASE_URL', ['llm', 'endpoint', 'baseUrl'], (v) => v],
  ['PERSONAHUB_LLM_MODEL', ['llm', 'model'], (v) => v],
  ['PERSONAHUB_LLM_STRUCTURED_OUTPUT', ['llm', 'structuredOutput'], (v) => v],
  ['PERSONAHUB_LLM_CACHE', ['llm', 'cache', 'mode'], (v) => v],
  ['PERSONAHUB_HTTP_PORT', ['http', 'port'], (v) => Number(v)],
];

function setPath(obj: Record<string, unknown>, path: string[], value: unknown) {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (next === undefined || next === null || typeof next !== 'object') cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

/** Load config: YAML file (optional) + env overrides, validated; a clear error lists every invalid field. */
export function loadConfig(file?: string, env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = file ? ((parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>) ?? {}) : {};
  for (const [name, path, parse] of ENV_OVERRIDES) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(raw, path, parse(v));
  }
  const parsed = Config.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw fatal('config_invalid', `invalid configuration${file ? ` in ${file}` : ''}:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
