/**
 * The personahub Grafana dashboard, as data. This file is the single place where panel queries live:
 * `npm run dashboard:gen` writes deploy/grafana/dashboards/personahub.json from it, the unit test checks that the
 * JSON is up to date and that every metric named here is in src/metrics/catalogue.ts, and the integration test
 * evaluates every query against a real Prometheus scraping a real run.
 *
 * Query conventions (the integration test relies on them):
 * - template variables are `$stage` and `$scenario`, always used as `label=~"$var"` (multi-value + All);
 * - rate windows use Grafana's `$__rate_interval`, so panels stay correct for any scrape interval.
 */

export const DATASOURCE_UID = 'personahub-prometheus';
export const DASHBOARD_UID = 'personahub-overview';

export interface Target {
  expr: string;
  legend: string;
}

export interface Panel {
  title: string;
  description: string;
  type: 'timeseries' | 'stat';
  /** Grafana unit id: reqps, s, short, currencyUSD, percentunit, ... */
  unit: string;
  targets: Target[];
  /** Panel width in grid columns (24 per row); height is fixed per type. */
  width: 4 | 6 | 8 | 12 | 24;
}

export interface Row {
  title: string;
  panels: Panel[];
}

export interface Variable {
  name: 'stage' | 'scenario';
  label: string;
  /** The label_values() source: metric and label. */
  metric: string;
  labelName: string;
}

export const VARIABLES: Variable[] = [
  { name: 'stage', label: 'Stage', metric: 'personahub_records_in_total', labelName: 'stage' },
  { name: 'scenario', label: 'Scenario', metric: 'personahub_llm_requests_total', labelName: 'scenario' },
];

const RI = '$__rate_interval';
const S = 'stage=~"$stage"';
const SC = 'scenario=~"$scenario"';

const rateBy = (by: string, metric: string, sel: string) => `sum by (${by}) (rate(${metric}{${sel}}[${RI}]))`;
const quantile = (q: number, by: string, metric: string, sel: string) =>
  `histogram_quantile(${q}, sum by (le, ${by}) (rate(${metric}_bucket{${sel}}[${RI}])))`;

export const ROWS: Row[] = [
  {
    title: 'Overview',
    panels: [
      {
        title: 'Documents consumed',
        description: 'Web documents read by the page filter (the first stage) since the processes started',
        type: 'stat', unit: 'short', width: 6,
        targets: [{ expr: 'sum(personahub_records_in_total{stage="pagefilter"})', legend: 'documents' }],
      },
      {
        title: 'Unique personas',
        description: 'Personas written to personas.unique by dedup (all hops)',
        type: 'stat', unit: 'short', width: 6,
        targets: [{ expr: 'sum(personahub_records_out_total{topic="personas.unique"})', legend: 'personas' }],
      },
      {
        title: 'Synthetic samples',
        description: 'Records written to the synth.<scenario> topics',
        type: 'stat', unit: 'short', width: 6,
        targets: [{ expr: 'sum(personahub_records_out_total{stage=~"synthesize-.*", topic=~"synth[.].*"})', legend: 'samples' }],
      },
      {
        title: 'Estimated spend',
        description: 'Estimated LLM cost from the configured price table',
        type: 'stat', unit: 'currencyUSD', width: 6,
        targets: [{ expr: 'sum(personahub_llm_cost_usd_total)', legend: 'USD' }],
      },
    ],
  },
  {
    title: 'Throughput',
    panels: [
      {
        title: 'Records in per stage and topic',
        description: 'Records consumed per second',
        type: 'timeseries', unit: 'reqps', width: 12,
        targets: [{ expr: rateBy('stage, topic', 'personahub_records_in_total', S), legend: '{{stage}} ← {{topic}}' }],
      },
      {
        title: 'Records out per topic',
        description: 'Records produced per second, per output topic',
        type: 'timeseries', unit: 'reqps', width: 12,
        targets: [{ expr: rateBy('topic', 'personahub_records_out_total', S), legend: '{{topic}}' }],
      },
      {
        title: 'Filtered records',
        description: 'Inputs that produced no output on purpose (duplicates, sampling, empty text, hop limit)',
        type: 'timeseries', unit: 'reqps', width: 12,
        targets: [{ expr: rateBy('stage, reason', 'personahub_records_filtered_total', S), legend: '{{stage}}: {{reason}}' }],
      },
    ],
  },
  {
    title: 'Dead letters and replays',
    panels: [
      {
        title: 'Dead-letter rate',
        description: 'Records sent to <input>.dlq.<stage>, by error code (`personahub dlq list` shows what is there)',
        type: 'timeseries', unit: 'reqps', width: 12,
        targets: [{ expr: rateBy('stage, code', 'personahub_records_dead_lettered_total', S), legend: '{{stage}}: {{code}}' }],
      },
      {
        title: 'Replayed records',
        description:
          'Records re-injected by `personahub dlq replay`, as the stage handled them: by the code they had been dead-lettered with and how it went this time (ok, filtered, dead_lettered again)',
        type: 'timeseries', unit: 'reqps', width: 12,
        targets: [{ expr: rateBy('stage, code, outcome', 'personahub_records_replayed_total', S), legend: '{{stage}}: {{code}} → {{outcome}}' }],
      },
    ],
  },
  {
    title: 'Kafka',
    panels: [
      {
        title: 'Consumer lag per group',
        description: 'High watermark minus committed offset, summed over partitions; the group is personahub.<stage>',
        type: 'timeseries', unit: 'short', width: 12,
        targets: [{ expr: `sum by (stage, topic) (personahub_consumer_lag_records{${S}})`, legend: '{{stage}} ← {{topic}}' }],
      },
      {
        title: 'Commit rounds',
        description: 'Kafka transactions (or at-least-once commit rounds) per second by outcome',
        type: 'timeseries', unit: 'ops', width: 12,
        targets: [{ expr: rateBy('stage, outcome', 'personahub_transactions_total', S), legend: '{{stage}}: {{outcome}}' }],
      },
    ],
  },
  {
    title: 'Processing',
    panels: [
      {
        title: 'Processing latency p50 / p99',
        description: 'From hand-off to the stage until its outputs are ready',
        type: 'timeseries', unit: 's', width: 12,
        targets: [
          { expr: quantile(0.5, 'stage', 'personahub_processing_seconds', S), legend: 'p50 {{stage}}' },
          { expr: quantile(0.99, 'stage', 'personahub_processing_seconds', S), legend: 'p99 {{stage}}' },
        ],
      },
      {
        title: 'In flight',
        description: 'Records handed to the stage and not yet completed; outputs buffered behind the watermark',
        type: 'timeseries', unit: 'short', width: 12,
        targets: [
          { expr: `sum by (stage) (personahub_in_flight_records{${S}})`, legend: 'in flight {{stage}}' },
          { expr: `sum by (stage) (personahub_buffered_outputs{${S}})`, legend: 'buffered {{stage}}' },
        ],
      },
    ],
  },
  {
    title: 'LLM',
    panels: [
      {
        title: 'LLM requests by outcome',
        description: 'HTTP attempts per second (every attempt counts)',
        type: 'timeseries', unit: 'reqps', width: 12,
        targets: [{ expr: rateBy('stage, outcome', 'personahub_llm_requests_total', `${S}, ${SC}`), legend: '{{stage}}: {{outcome}}' }],
      },
      {
        title: 'LLM latency p50 / p99',
        description: 'Latency of one HTTP attempt',
        type: 'timeseries', unit: 's', width: 12,
        targets: [
          { expr: quantile(0.5, 'stage', 'personahub_llm_request_seconds', `${S}, ${SC}`), legend: 'p50 {{stage}}' },
          { expr: quantile(0.99, 'stage', 'personahub_llm_request_seconds', `${S}, ${SC}`), legend: 'p99 {{stage}}' },
        ],
      },
      {
        title: 'LLM retries and errors',
        description: 'Attempts retried (429, 5xx, timeouts, malformed replies) and calls that failed for good',
        type: 'timeseries', unit: 'reqps', width: 12,
        targets: [
          { expr: rateBy('code', 'personahub_llm_retries_total', `${S}, ${SC}`), legend: 'retry {{code}}' },
          { expr: rateBy('code', 'personahub_llm_errors_total', `${S}, ${SC}`), legend: 'error {{code}}' },
        ],
      },
      {
        title: 'Endpoint: in flight and circuit',
        description: 'Open requests per endpoint; circuit = 1 while the breaker is open or half-open',
        type: 'timeseries', unit: 'short', width: 12,
        targets: [
          { expr: 'sum by (endpoint) (personahub_llm_in_flight_requests)', legend: 'in flight {{endpoint}}' },
          { expr: 'max by (endpoint) (personahub_llm_circuit_open)', legend: 'circuit {{endpoint}}' },
        ],
      },
    ],
  },
  {
    title: 'Tokens and cost',
    panels: [
      {
        title: 'Tokens per scenario and model',
        description: 'Tokens per second reported by the endpoint, input and output',
        type: 'timeseries', unit: 'short', width: 12,
        targets: [{ expr: rateBy('scenario, model, direction', 'personahub_llm_tokens_total', `${S}, ${SC}`), legend: '{{scenario}} {{model}} {{direction}}' }],
      },
      {
        title: 'Cost per scenario and model',
        description: 'Estimated spend rate in USD per hour',
        type: 'timeseries', unit: 'currencyUSD', width: 8,
        targets: [{ expr: `3600 * ${rateBy('scenario, model', 'personahub_llm_cost_usd_total', `${S}, ${SC}`)}`, legend: '{{scenario}} {{model}}' }],
      },
      {
        title: 'Budget remaining',
        description: 'Budget left before LLM work pauses (only when llm.budgetUsd is set)',
        type: 'stat', unit: 'currencyUSD', width: 4,
        targets: [{ expr: 'min(personahub_llm_budget_remaining_usd)', legend: 'remaining' }],
      },
    ],
  },
  {
    // Budgets are shared by every instance (the spend ledger), so every instance exports the same totals: max, not sum.
    title: 'Budgets and response cache',
    panels: [
      {
        title: 'Spend vs budget per scenario',
        description: 'Spend counted against each budget by every instance (llm.budgets; requests, tokens, USD) and the limit in force; the stages a budget applies to pause when spend reaches it',
        type: 'timeseries', unit: 'short', width: 12,
        targets: [
          { expr: 'max by (budget, unit) (personahub_llm_budget_spent)', legend: '{{budget}} spent ({{unit}})' },
          { expr: 'max by (budget, unit) (personahub_llm_budget_limit)', legend: '{{budget}} limit ({{unit}})' },
        ],
      },
      {
        title: 'Budget used',
        description: 'Spend as a share of the limit, per budget and unit',
        type: 'stat', unit: 'percent', width: 4,
        targets: [{ expr: '100 * max by (budget, unit) (personahub_llm_budget_spent) / max by (budget, unit) (personahub_llm_budget_limit)', legend: '{{budget}} {{unit}}' }],
      },
      {
        title: 'Stages paused by a budget',
        description: '1 while a stage has its partitions paused because a budget that applies to it is exhausted (its lag grows meanwhile)',
        type: 'stat', unit: 'short', width: 4,
        targets: [{ expr: `max by (stage) (personahub_stage_budget_paused{${S}})`, legend: '{{stage}}' }],
      },
      {
        title: 'LLM cache lookups',
        description: 'Response cache lookups per second by outcome (hit: answered without a call; miss; invalid: stored reply no longer fits the schema)',
        type: 'timeseries', unit: 'reqps', width: 4,
        targets: [{ expr: rateBy('outcome', 'personahub_llm_cache_lookups_total', `${S}, ${SC}`), legend: '{{outcome}}' }],
      },
    ],
  },
  {
    // The OpenTelemetry GenAI semantic-convention histograms: the same LLM calls under the names GenAI tooling reads.
    // They carry no stage or scenario label (the conventions define none), so the variables do not filter them.
    title: 'LLM (OpenTelemetry GenAI conventions)',
    panels: [
      {
        title: 'GenAI token usage per reply p50 / p99',
        description: 'gen_ai.client.token.usage: tokens per reply, by gen_ai.token.type (input, output)',
        type: 'timeseries', unit: 'short', width: 12,
        targets: [
          { expr: quantile(0.5, 'gen_ai_token_type', 'gen_ai_client_token_usage', ''), legend: 'p50 {{gen_ai_token_type}}' },
          { expr: quantile(0.99, 'gen_ai_token_type', 'gen_ai_client_token_usage', ''), legend: 'p99 {{gen_ai_token_type}}' },
        ],
      },
      {
        title: 'GenAI tokens per second by model',
        description: 'gen_ai.client.token.usage summed: tokens per second by provider, request model and token type',
        type: 'timeseries', unit: 'short', width: 12,
        targets: [{
          expr: `sum by (gen_ai_provider_name, gen_ai_request_model, gen_ai_token_type) (rate(gen_ai_client_token_usage_sum[${RI}]))`,
          legend: '{{gen_ai_provider_name}} {{gen_ai_request_model}} {{gen_ai_token_type}}',
        }],
      },
      {
        title: 'GenAI operation duration p50 / p99',
        description: 'gen_ai.client.operation.duration: one HTTP attempt, by gen_ai.operation.name (chat, embeddings)',
        type: 'timeseries', unit: 's', width: 12,
        targets: [
          { expr: quantile(0.5, 'gen_ai_operation_name', 'gen_ai_client_operation_duration_seconds', ''), legend: 'p50 {{gen_ai_operation_name}}' },
          { expr: quantile(0.99, 'gen_ai_operation_name', 'gen_ai_client_operation_duration_seconds', ''), legend: 'p99 {{gen_ai_operation_name}}' },
        ],
      },
      {
        title: 'GenAI operations failed by error.type',
        description: 'gen_ai.client.operation.duration observations with error.type set: failed attempts per second',
        type: 'timeseries', unit: 'reqps', width: 12,
        targets: [{
          expr: `sum by (gen_ai_operation_name, error_type) (rate(gen_ai_client_operation_duration_seconds_count{error_type!=""}[${RI}]))`,
          legend: '{{gen_ai_operation_name}}: {{error_type}}',
        }],
      },
    ],
  },
  {
    title: 'Dedup',
    panels: [
      {
        title: 'Duplicates dropped by kind and hop',
        description: 'Items dropped per second: exact, minhash, simhash (pages), semantic',
        type: 'timeseries', unit: 'reqps', width: 12,
        targets: [{ expr: rateBy('kind, hop', 'personahub_dedup_hits_total', S), legend: '{{kind}} hop {{hop}}' }],
      },
      {
        title: 'Duplicate ratio per stage',
        description: 'Share of checked items dropped as duplicates',
        type: 'timeseries', unit: 'percentunit', width: 12,
        targets: [{
          expr: `${rateBy('stage', 'personahub_dedup_hits_total', S)} / ${rateBy('stage', 'personahub_dedup_checks_total', S)}`,
          legend: '{{stage}}',
        }],
      },
    ],
  },
  {
    title: 'Diversity',
    panels: [
      {
        title: 'Dedup hit rate per hop',
        description: 'Share of checked items dropped as duplicates, per filter stage and persona hop (rises when expansion keeps re-finding the same personas)',
        type: 'timeseries', unit: 'percentunit', width: 8,
        targets: [{
          expr: `${rateBy('stage, hop', 'personahub_dedup_hits_total', S)} / ${rateBy('stage, hop', 'personahub_dedup_checks_total', S)}`,
          legend: '{{stage}} hop {{hop}}',
        }],
      },
      {
        title: 'Dedup hit rate per filter',
        description: 'Share of checked items each filter (exact, minhash, simhash, semantic) dropped',
        type: 'timeseries', unit: 'percentunit', width: 8,
        targets: [{
          expr: `${rateBy('stage, kind', 'personahub_dedup_hits_total', S)} / on (stage) group_left ${rateBy('stage', 'personahub_dedup_checks_total', S)}`,
          legend: '{{stage}} {{kind}}',
        }],
      },
      {
        title: 'Unique personas per hop',
        description: 'Unique personas read from personas.unique by expand, per hop, since the processes started',
        type: 'timeseries', unit: 'short', width: 8,
        targets: [{ expr: 'sum by (hop) (personahub_unique_personas_total)', legend: 'hop {{hop}}' }],
      },
      {
        title: 'Attribute coverage (share of new values)',
        description: 'Per persona attribute, the share of values never seen before: falls towards 0 when the flow stops reaching new occupations, domains, regions',
        type: 'timeseries', unit: 'percentunit', width: 8,
        targets: [{
          expr: `sum by (attribute) (rate(personahub_persona_attribute_values_total{novelty="new"}[${RI}])) / sum by (attribute) (rate(personahub_persona_attribute_values_total[${RI}]))`,
          legend: '{{attribute}}',
        }],
      },
      {
        title: 'Distinct attribute values',
        description: 'Distinct values seen per persona attribute (per process, bounded by stages.diversity.maxAttributeValues)',
        type: 'timeseries', unit: 'short', width: 8,
        targets: [{ expr: 'sum by (attribute) (personahub_persona_attribute_distinct_values)', legend: '{{attribute}}' }],
      },
      {
        title: 'distinct-1 / distinct-2 of outputs',
        description: 'Distinct word n-grams / n-grams over the last stages.diversity.window outputs of each scenario (higher = more varied)',
        type: 'timeseries', unit: 'percentunit', width: 8,
        targets: [{ expr: `max by (scenario, n) (personahub_synth_distinct_ngrams_ratio{${SC}})`, legend: '{{scenario}} distinct-{{n}}' }],
      },
      {
        title: 'Mean pairwise embedding similarity',
        description: 'Mean cosine similarity between embeddings of a sample of each scenario\'s recent outputs (lower = more diverse)',
        type: 'timeseries', unit: 'percentunit', width: 12,
        targets: [{ expr: `max by (scenario) (personahub_synth_embedding_similarity_mean{${SC}})`, legend: '{{scenario}}' }],
      },
      {
        title: 'Math agreement rate per hop',
        description: 'Share of synth.math problems verify-math verified (k independent answers agreed and matched the stated solution), per persona hop',
        type: 'timeseries', unit: 'percentunit', width: 12,
        targets: [{
          expr: `sum by (hop) (rate(personahub_math_verifications_total{outcome="verified"}[${RI}])) / sum by (hop) (rate(personahub_math_verifications_total[${RI}]))`,
          legend: 'hop {{hop}}',
        }],
      },
    ],
  },
];

/** Every panel query in dashboard order, for tests and the chart snapshot script. */
export function allTargets(): Array<{ panel: string; target: Target }> {
  return ROWS.flatMap((row) => row.panels.flatMap((panel) => panel.targets.map((target) => ({ panel: panel.title, target }))));
}

const HEIGHT = { timeseries: 8, stat: 4 } as const;

/**
 * The Grafana dashboard model (schemaVersion 39, Grafana 10/11). Deterministic: same input, same JSON. Every panel,
 * its options and queries, and every variable must conform to Grafana's published schema types
 * (test/ops/dashboard-schema.test.ts), so required plugin options are spelled out rather than left to defaults.
 */
export function buildDashboard(): Record<string, unknown> {
  const ds = { type: 'prometheus', uid: DATASOURCE_UID };
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of ROWS) {
    panels.push({ id: id++, type: 'row', title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const p of row.panels) {
      const h = HEIGHT[p.type];
      if (x + p.width > 24) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      panels.push({
        id: id++,
        type: p.type,
        title: p.title,
        description: p.description,
        datasource: ds,
        gridPos: { h, w: p.width, x, y },
        fieldConfig: { defaults: { unit: p.unit, ...(p.type === 'timeseries' ? { custom: { lineWidth: 1, fillOpacity: 10 } } : {}) }, overrides: [] },
        options: p.type === 'stat'
          ? {
            reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'area',
            justifyMode: 'auto', orientation: 'auto', textMode: 'auto', wideLayout: true, showPercentChange: false, percentChangeColorMode: 'standard',
          }
          : { legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] }, tooltip: { mode: 'multi', sort: 'desc' } },
        targets: p.targets.map((t, i) => ({
          refId: String.fromCharCode(65 + i),
          datasource: ds,
          expr: t.expr,
          legendFormat: t.legend,
          range: true,
          instant: false,
        })),
      });
      x += p.width;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return {
    uid: DASHBOARD_UID,
    title: 'personahub',
    description: 'Persona Hub dataflow: throughput, lag, latency, DLQ, LLM usage and cost, dedup',
    tags: ['personahub', 'kafka', 'llm'],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    editable: true,
    graphTooltip: 1,
    refresh: '10s',
    time: { from: 'now-30m', to: 'now' },
    templating: {
      list: VARIABLES.map((v) => ({
        name: v.name,
        label: v.label,
        type: 'query',
        datasource: ds,
        query: { query: `label_values(${v.metric}, ${v.labelName})`, refId: `${v.name}-values` },
        refresh: 2,
        multi: true,
        includeAll: true,
        // All = every value currently known; series without the label (e.g. extract has no scenario) match `.*` too.
        allValue: '.*',
        current: { selected: true, text: ['All'], value: ['$__all'] },
        sort: 1,
      })),
    },
    annotations: { list: [] },
    panels,
  };
}
