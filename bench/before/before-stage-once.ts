import { measureLlm, measurePassThrough, measureRaw, type Measured } from './before-stage.js';

/** The before side of bench/stage-once.ts (copied into the old tree by bench/before.sh). */
const which = process.argv[2] ?? '';
const measures: Record<string, () => Promise<Measured>> = { raw: measureRaw, passthrough: measurePassThrough, llm: measureLlm };
const measure = measures[which];
if (!measure) throw new Error(`stage-once: unknown measurement "${which}" (raw | passthrough | llm)`);
process.stdout.write(`${JSON.stringify(await measure())}\n`);
process.exit(0);
