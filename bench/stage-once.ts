import { measureLlm, measurePassThrough, measureRaw, type Measured } from './stage-throughput.js';

/**
 * One measurement of bench/stage-throughput.ts in a fresh process (the harness runs before and after side by side
 * as child processes, so neither inherits the other's heap or connections): prints `{"records","seconds","cpuMs"}`
 * as the last line of stdout. `node --import tsx bench/stage-once.ts raw|passthrough|llm`.
 */
const which = process.argv[2] ?? '';
const measures: Record<string, () => Promise<Measured>> = { raw: measureRaw, passthrough: measurePassThrough, llm: measureLlm };
const measure = measures[which];
if (!measure) throw new Error(`stage-once: unknown measurement "${which}" (raw | passthrough | llm)`);
process.stdout.write(`${JSON.stringify(await measure())}\n`);
process.exit(0);
