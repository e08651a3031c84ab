import { z } from 'zod';

/**
 * Structured outputs of the six synthesis scenarios. These schemas are sent to the LLM as JSON Schema in strict
 * mode, which requires every property to be required: optional values are `nullable`, never `optional`, and
 * objects have no free-form keys (tool arguments are a list, not a record).
 */
export const MathOutput = z.object({
  problem: z.string().min(1).describe('A challenging math problem this persona would pose or face'),
  solution: z.string().nullable().describe('A worked solution, or null when solutions are not requested'),
});
export const ReasoningOutput = z.object({
  problem: z.string().min(1).describe('A logical-reasoning puzzle grounded in the persona'),
  answer: z.string().nullable().describe('The answer with its reasoning, or null'),
});
export const InstructionOutput = z.object({
  instruction: z.string().min(1).describe('A request this persona would type to an AI assistant'),
});
export const KnowledgeOutput = z.object({
  title: z.string().min(1),
  article: z.string().min(1).describe('A knowledge-rich text written from the persona\'s expertise'),
});
export const NpcOutput = z.object({
  name: z.string().min(1),
  role: z.string().min(1),
  backstory: z.string().min(1),
  interaction: z.string().min(1).describe('How the character interacts with players'),
});
export const ToolArg = z.object({
  name: z.string().min(1),
  type: z.string().min(1),
  description: z.string(),
  required: z.boolean(),
});
export const ToolOutput = z.object({
  name: z.string().min(1),
  description: z.string().min(1),
  function_name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
  input_args: z.array(ToolArg),
  return: z.object({ type: z.string(), description: z.string() }),
  depend: z.array(z.string()).describe('Other tools or services this tool depends on'),
});

export const SCENARIOS = ['math', 'reasoning', 'instruction', 'knowledge', 'npc', 'tool'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export const SCENARIO_OUTPUTS = {
  math: MathOutput,
  reasoning: ReasoningOutput,
  instruction: InstructionOutput,
  knowledge: KnowledgeOutput,
  npc: NpcOutput,
  tool: ToolOutput,
} as const satisfies Record<ScenarioName, z.ZodType>;
