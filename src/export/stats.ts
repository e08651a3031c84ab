/**
 * What a dataset card says about the rows (src/export/card.ts): counted from the rows as they are written, so the
 * card describes exactly the files beside it. Fields are read when the record has them (synthetic samples and
 * personas both carry provenance); a topic without them simply has empty tallies.
 */
export interface ExportStats {
  rows: number;
  scenarios: Record<string, number>;
  models: Record<string, number>;
  /** `<promptId>@<promptVersion>` → rows. */
  prompts: Record<string, number>;
  simulatedRows: number;
  cacheHitRows: number;
  firstCreatedAt: string | null;
  lastCreatedAt: string | null;
}

export const emptyStats = (): ExportStats => ({
  rows: 0,
  scenarios: {},
  models: {},
  prompts: {},
  simulatedRows: 0,
  cacheHitRows: 0,
  firstCreatedAt: null,
  lastCreatedAt: null,
});

const bump = (m: Record<string, number>, k: unknown) => {
  if (typeof k === 'string') m[k] = (m[k] ?? 0) + 1;
};

export function count(stats: ExportStats, record: unknown): void {
  const r = record as { scenario?: unknown; provenance?: { model?: unknown; promptId?: unknown; promptVersion?: unknown; simulated?: unknown; createdAt?: unknown; cache?: { hit?: unknown } } };
  stats.rows++;
  bump(stats.scenarios, r.scenario);
  const p = r.provenance;
  if (!p) return;
  bump(stats.models, p.model);
  if (typeof p.promptId === 'string') bump(stats.prompts, `${p.promptId}@${String(p.promptVersion)}`);
  if (p.simulated === true) stats.simulatedRows++;
  if (p.cache?.hit === true) stats.cacheHitRows++;
  if (typeof p.createdAt === 'string') {
    if (stats.firstCreatedAt === null || p.createdAt < stats.firstCreatedAt) stats.firstCreatedAt = p.createdAt;
    if (stats.lastCreatedAt === null || p.createdAt > stats.lastCreatedAt) stats.lastCreatedAt = p.createdAt;
  }
}
