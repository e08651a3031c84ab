import type { z } from 'zod';
import { SCENARIO_OUTPUTS, type ScenarioName } from '../../contracts/scenarios.js';
import type { TemplateParams } from './template.js';

/**
 * The scenario table: every synthesis scenario is a row of data, not a code path. A row holds the prompt id and
 * version, the task template (see template.ts for its tiny syntax), default template parameters, and worked
 * examples used by the few-shot modes. The output schema comes from src/contracts/scenarios.ts by name.
 *
 * Adding a scenario = a schema in contracts/scenarios.ts + a row here + a topic under topics/. Changing a
 * template's wording = bump its `version` (it is part of every sample's id and provenance).
 *
 * The examples are original, written for personahub; they show the shape and ambition wanted, not content to copy.
 */
export interface ScenarioExample<S extends ScenarioName> {
  persona: string;
  output: z.infer<(typeof SCENARIO_OUTPUTS)[S]>;
}

export interface ScenarioSpec<S extends ScenarioName = ScenarioName> {
  name: S;
  promptId: string;
  version: string;
  /** What to create, addressed to the model; the persona itself arrives in the user message. */
  template: string;
  params: TemplateParams;
  examples: Array<ScenarioExample<S>>;
}

const math: ScenarioSpec<'math'> = {
  name: 'math',
  promptId: 'synthesize.math',
  version: '1',
  template:
    'Write one {{difficulty}} math problem that this persona would pose, meet in their work, or find ' +
    'intriguing. Ground it in the persona\'s world: its quantities, constraints and vocabulary. The problem must be ' +
    'self-contained, precisely stated and have a single well-defined answer. ' +
    '{{#withSolution}}Also give a complete worked solution ending with the final answer.{{/withSolution}}' +
    '{{^withSolution}}Set "solution" to null.{{/withSolution}}',
  params: { difficulty: 'challenging, multi-step', withSolution: true },
  examples: [
    {
      persona: 'A beekeeper in a hilly region who tracks honey yields across seasons to plan hive expansion',
      output: {
        problem:
          'A beekeeper has 12 hives. Each hive yields 18 kg of honey in a good season and 7 kg in a poor one; a ' +
          'season is good with probability 0.6, independently each year. Expanding by 4 hives costs 900 euros once, ' +
          'and honey sells at 11 euros/kg. What is the expected number of full seasons before the expansion pays ' +
          'for itself, treating each season\'s extra income as its expected value?',
        solution:
          'Expected yield per hive = 0.6*18 + 0.4*7 = 13.6 kg. Four extra hives give 54.4 kg, worth 598.4 euros per ' +
          'season. 900 / 598.4 = 1.50, so the expansion pays for itself during the second season: 2 full seasons.',
      },
    },
    {
      persona: 'A railway timetable planner who fits freight paths between passenger services on a single track',
      output: {
        problem:
          'On a 60 km single-track line, passenger trains leave station A every 90 minutes at 90 km/h. A freight ' +
          'train at 45 km/h must run from A to B between two consecutive passenger departures without being ' +
          'overtaken on the open line. Passing loops exist only at the stations. What is the longest the freight ' +
          'train may wait at A after a passenger departure and still clear B before the next passenger train ' +
          'arrives there?',
        solution:
          'The freight takes 60/45 h = 80 min; a passenger train takes 40 min. The faster train gains on the slower ' +
          'one all the way, so if it has not caught up by B it never does on the open line: it is enough that the ' +
          'freight reaches B no later than the next passenger train. Leaving t minutes after a departure, the freight ' +
          'arrives at t + 80; the next passenger train arrives at 90 + 40 = 130. So t + 80 <= 130: at most 50 minutes.',
      },
    },
  ],
};

const reasoning: ScenarioSpec<'reasoning'> = {
  name: 'reasoning',
  promptId: 'synthesize.reasoning',
  version: '1',
  template:
    'Write one logical reasoning puzzle that arises naturally in this persona\'s daily life or expertise. State ' +
    'all facts needed, so that careful deduction (not outside knowledge) reaches one answer. ' +
    '{{#withAnswer}}Give the answer with the chain of reasoning that proves it.{{/withAnswer}}' +
    '{{^withAnswer}}Set "answer" to null.{{/withAnswer}}',
  params: { withAnswer: true },
  examples: [
    {
      persona: 'A hospital pharmacist who checks night-shift medication orders for interactions',
      output: {
        problem:
          'Three night orders arrive for patients on wards North, East and West: an anticoagulant, an antibiotic ' +
          'and an anti-seizure drug, one each. The anti-seizure drug is for the patient on North. The order that ' +
          'needs a kidney dose adjustment is for the patient on West, and the antibiotic is not that order. Which ' +
          'drug goes to which ward?',
        answer:
          'North has the anti-seizure drug, so East and West share the anticoagulant and the antibiotic. West is ' +
          'the kidney-adjusted order, which is not the antibiotic, so West has the anticoagulant and East the ' +
          'antibiotic. Answer: North anti-seizure, East antibiotic, West anticoagulant.',
      },
    },
  ],
};

const instruction: ScenarioSpec<'instruction'> = {
  name: 'instruction',
  promptId: 'synthesize.instruction',
  version: '1',
  template:
    'Write one request this persona would type to an AI assistant, in their own voice and with the concrete ' +
    'details of their situation. It should be something an assistant can act on (a question, a task, a draft to ' +
    'improve), {{length}}.',
  params: { length: 'one to four sentences' },
  examples: [
    {
      persona: 'A volunteer coordinator at a coastal clean-up charity recruiting students for weekend shifts',
      output: {
        instruction:
          'I need a short, upbeat message for a university noticeboard asking students to join our Saturday beach ' +
          'clean-ups (9-12, gloves and bags provided). Mention that it counts toward their volunteering credits and ' +
          'keep it under 80 words.',
      },
    },
    {
      persona: 'A retired structural engineer restoring a 1920s timber-framed barn',
      output: {
        instruction:
          'Some oak posts in my barn have rot at the base, about 15 cm up. What are the standard ways to splice in ' +
          'new timber at the foot of a load-bearing post, and how should I prop the frame while I do it?',
      },
    },
  ],
};

const knowledge: ScenarioSpec<'knowledge'> = {
  name: 'knowledge',
  promptId: 'synthesize.knowledge',
  version: '1',
  template:
    'Write a knowledge-rich article of about {{words}} words that this persona is well placed to write, drawing ' +
    'on the specialist knowledge their role implies. Be factual and specific; explain terms a newcomer would not ' +
    'know. Give it a clear title.',
  params: { words: 300 },
  examples: [
    {
      persona: 'A cheesemaker running a small alpine dairy that ages hard cheeses in a mountain cellar',
      output: {
        title: 'Why alpine cheeses need cold, damp cellars',
        article:
          'Hard alpine cheeses are made in summer, when cows graze high pastures, and sold months or years later. ' +
          'What happens in between is ripening: enzymes from the milk, the rennet and the cultures slowly break ' +
          'proteins and fats into the compounds we taste. Temperature sets the pace. At 10-14 degrees the reactions ' +
          'run slowly enough for flavour to develop evenly through a 30 kg wheel; warmer, the outside ripens ahead ' +
          'of the centre. Humidity near 90 percent keeps the rind from cracking. Each wheel is turned and its rind ' +
          'washed with brine, which favours salt-tolerant bacteria that form a protective, aromatic crust.',
      },
    },
  ],
};

const npc: ScenarioSpec<'npc'> = {
  name: 'npc',
  promptId: 'synthesize.npc',
  version: '1',
  template:
    'Turn this persona into a non-player character for {{setting}}. Keep the persona\'s occupation, temperament ' +
    'and concerns recognisable in the character, translated into the game world. Give the character a name, a ' +
    'role, a short backstory, and describe how they interact with players (what they offer, ask or refuse).',
  params: { setting: 'a fantasy role-playing game' },
  examples: [
    {
      persona: 'A night-shift taxi driver in a large city who knows every shortcut and listens to passengers\' stories',
      output: {
        name: 'Orla Vane',
        role: 'Ferrywoman of the canal district',
        backstory:
          'Orla has poled her flat boat through the city\'s canals after dark for twenty years. She knows which ' +
          'bridges are watched and which locks are left open, and she has heard more confessions than any priest.',
        interaction:
          'Players can hire her to reach hidden parts of the city; she charges by the bell, not the distance. ' +
          'Buying her a drink unlocks rumours she picked up from earlier passengers, but she never reveals who told her.',
      },
    },
  ],
};

const tool: ScenarioSpec<'tool'> = {
  name: 'tool',
  promptId: 'synthesize.tool',
  version: '1',
  template:
    'Design one tool (a function an AI assistant could call) that this persona would find genuinely useful in ' +
    'their work. Give a human-readable name, a description of what it does, a snake_case function_name, its input ' +
    'arguments with types and whether each is required, the return value, and any other tools or services it ' +
    'depends on (an empty list if none).',
  params: {},
  examples: [
    {
      persona: 'A wildlife ecologist counting bird species along fixed survey routes each spring',
      output: {
        name: 'Survey route species tally',
        description: 'Aggregates point-count observations along a survey route into per-species counts and compares them with previous years.',
        function_name: 'tally_route_species',
        input_args: [
          { name: 'route_id', type: 'string', description: 'Identifier of the survey route', required: true },
          { name: 'year', type: 'integer', description: 'Survey year', required: true },
          { name: 'baseline_years', type: 'integer', description: 'How many earlier years to compare with', required: false },
        ],
        return: { type: 'object', description: 'Species counts for the year and the change against the baseline mean' },
        depend: ['observation_database'],
      },
    },
  ],
};

export const SCENARIO_TABLE: { [S in ScenarioName]: ScenarioSpec<S> } = {
  math,
  reasoning,
  instruction,
  knowledge,
  npc,
  tool,
};
