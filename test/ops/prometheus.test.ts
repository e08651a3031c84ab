import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { promtool } from './promtool.js';

const PROM_DIR = fileURLToPath(new URL('../../deploy/prometheus/', import.meta.url));

describe('deploy/prometheus', () => {
  it.each(['prometheus.local.yml', 'prometheus.yml', 'prometheus.k8s.yml'])('promtool check config %s', (file) => {
    const r = promtool(['check', 'config', file], PROM_DIR);
    expect(r.output).toContain('SUCCESS');
    expect(r.code, r.output).toBe(0);
  });

  it('promtool check rules', () => {
    const r = promtool(['check', 'rules', 'rules/personahub.rules.yml'], PROM_DIR);
    expect(r.code, r.output).toBe(0);
  });

  it('alerts fire exactly as specified in the rule unit tests (promtool test rules)', () => {
    const r = promtool(['test', 'rules', 'rules/personahub.rules.test.yml'], PROM_DIR);
    expect(r.code, r.output).toBe(0);
  });
});
