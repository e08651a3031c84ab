import { fatal } from '../errors.js';
import type { StageFactory } from './types.js';

/**
 * Stage factories by name, for `personahub run <name...>`. Stage modules register themselves at import time
 * (src/stages/index.ts imports them all); names are persistent like stage names.
 */
const factories = new Map<string, StageFactory>();

export function registerStageFactory(name: string, factory: StageFactory): void {
  if (factories.has(name)) throw fatal('config_invalid', `stage factory "${name}" registered twice`);
  factories.set(name, factory);
}

export function getStageFactory(name: string): StageFactory {
  const f = factories.get(name);
  if (!f) throw fatal('config_invalid', `unknown stage "${name}"; known: ${stageFactoryNames().join(', ') || '(none)'}`);
  return f;
}

export const stageFactoryNames = (): string[] => [...factories.keys()].sort();
