import { gateOf } from '../gate.js';
import { filtered, type Stage, type StageDeps } from '../../runtime/stage.js';
import type { Metrics } from '../../metrics/catalogue.js';
import { syntheticSampleSchema, type SyntheticSample } from '../../contracts/synthetic.js';
import { MathSolution, VerifiedMathSample } from '../../contracts/verified.js';
import { VERIFIED_MATH_TOPIC, synthTopic } from '../topics.js';
import { agreement, answersEqual, statedAnswer } from './answer.js';
import { SOLUTION_SCHEMA_NAME, VERIFY_MATH_PROMPT, solveMessages } from './prompt.js';
import type { VerifyMathConfig } from './spec.js';

export const VERIFY_MATH_STAGE = 'verify-math';

/** What the stage counts per problem: the `outcome` label of personahub_math_verifications_total. */
export type VerifyOutcome = 'verified' | 'disagree' | 'mismatch';

/**
 * Verified math: every `synth.math` sample is solved `attempts` times by independent LLM calls (same prompt, seed
 * = attempt index, the configured temperature; each call has its own cache key). A sample reaches
 * synth.math.verified only when at least `minAgree` final answers are equal (answer.ts) and, when the sample's
 * solution states a final answer, the agreed answer equals it. Otherwise it is filtered, named:
 * `answers_disagree` (no answer reached minAgree) or `solution_mismatch` (they agreed on something else).
 *
 * Invariant: the output is the input sample unchanged plus `verification`, keyed by the sample id, so a replayed
 * sample overwrites rather than duplicates. Outcomes are counted per persona hop (the agreement rate per hop).
 */
export function createVerifyMathStage(cfg: VerifyMathConfig, deps: StageDeps & { metrics?: Metrics }): Stage<SyntheticSample<'math'>> {
  const out = VERIFIED_MATH_TOPIC;
  const count = (outcome: VerifyOutcome, hop: number) => deps.metrics?.mathVerifications.inc({ outcome, hop: String(hop) });
  return {
    name: VERIFY_MATH_STAGE,
    input: { topic: synthTopic('math'), schema: syntheticSampleSchema('math') },
    outputs: { [out]: VerifiedMathSample },
    ordering: 'unordered',
    ...gateOf(deps, VERIFY_MATH_STAGE, 'math'),
    async process(sample, ctx) {
      const messages = solveMessages(sample.output.problem);
      const replies = await Promise.all(
        Array.from({ length: cfg.attempts }, (_, i) =>
          deps.llm.complete({
            stage: VERIFY_MATH_STAGE,
            scenario: 'math',
            messages,
            schema: MathSolution,
            schemaName: SOLUTION_SCHEMA_NAME,
            params: { temperature: cfg.temperature, seed: i },
            signal: ctx.signal,
          }),
        ),
      );
      const answers = replies.map((r) => r.value.final_answer.trim());
      const hop = sample.lineage.personaHop;
      const agreed = agreement(answers, cfg.minAgree, cfg.relTolerance);
      if (!agreed) {
        count('disagree', hop);
        return filtered('answers_disagree');
      }
      const stated = sample.output.solution ? statedAnswer(sample.output.solution) : undefined;
      if (cfg.requireSolutionMatch && stated !== undefined && !answersEqual(agreed.answer, stated, cfg.relTolerance)) {
        count('mismatch', hop);
        return filtered('solution_mismatch');
      }
      count('verified', hop);
      const first = replies[0]!;
      const verified: VerifiedMathSample = {
        ...sample,
        verification: {
          attempts: cfg.attempts,
          agreeing: agreed.count,
          answers,
          answer: agreed.answer,
          statedAnswer: stated ?? null,
          model: first.model,
          simulated: replies.some((r) => r.simulated),
          promptId: VERIFY_MATH_PROMPT.id,
          promptVersion: VERIFY_MATH_PROMPT.version,
          usage: {
            inputTokens: replies.reduce((s, r) => s + r.usage.inputTokens, 0),
            outputTokens: replies.reduce((s, r) => s + r.usage.outputTokens, 0),
          },
          verifiedAt: new Date().toISOString(),
        },
      };
      return [{ topic: out, key: sample.id, value: verified }];
    },
  };
}
