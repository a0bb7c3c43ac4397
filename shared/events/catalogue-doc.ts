import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { matchesEventPattern } from '../../local/event-pattern.js';
import { eventRules } from '../config/event-rules.js';
import { functions, type QueueName } from '../config/functions.js';
import { resourceNames } from '../config/resources.js';
import { eventCatalogue } from './catalogue.js';
import { type EventDefinition, MetadataSchema } from './envelope.js';

/**
 * Renders docs/events.md from the code: the events of shared/events/catalogue.ts, and who receives each one
 * computed by evaluating the rules of shared/config/event-rules.ts, so the page cannot drift from either.
 * Output is deterministic (no dates), which lets a unit test compare it with the committed page.
 */

/** Where the rendered page lives; `npm run docs:events` writes it, a unit test checks it is current. */
export const eventCatalogueFile = fileURLToPath(new URL('../../docs/events.md', import.meta.url));

// biome-ignore lint/suspicious/noExplicitAny: the catalogue holds events of many different schemas.
type AnyEvent = EventDefinition<any>;

export interface Delivery {
  rule: string;
  queue: QueueName;
  /** The function the queue feeds, from shared/config/functions.ts. */
  consumer: string | undefined;
}

/**
 * The rules that route an event, judged on the envelope fields a rule may filter on without knowing the data
 * (`source`, `detail-type`). A rule that also filters on `detail` would not show here; none does today.
 */
export function deliveriesOf(event: Pick<AnyEvent, 'source' | 'detailType'>): Delivery[] {
  const sample = { source: event.source, 'detail-type': event.detailType };
  return eventRules
    .filter((rule) => matchesEventPattern(rule.pattern, sample))
    .map((rule) => ({ rule: rule.name, queue: rule.target, consumer: consumerOf(rule.target) }));
}

function consumerOf(queue: QueueName): string | undefined {
  return functions.find((fn) => fn.trigger.kind === 'queue' && fn.trigger.queue === queue)?.name;
}

/** The subset of JSON Schema that z.toJSONSchema produces for event data. */
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  default?: unknown;
}

export interface FieldRow {
  path: string;
  type: string;
  required: boolean;
}

const jsonSchemaOf = (schema: z.ZodType): JsonSchema => z.toJSONSchema(schema) as JsonSchema;

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return union.map(typeOf).join(' or ');
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const described = types.map((type) => {
    if (type === 'array') return `array of ${schema.items ? typeOf(schema.items) : 'any'}`;
    if (type === 'object' && !schema.properties && typeof schema.additionalProperties === 'object') {
      return `map of ${typeOf(schema.additionalProperties)}`;
    }
    if (type === 'string' && schema.format) return `string (${schema.format})`;
    return type;
  });
  const text = described.length > 0 ? described.join(' or ') : 'any';
  return schema.default === undefined ? text : `${text}, default ${JSON.stringify(schema.default)}`;
}

/** One row per field, nested objects and arrays of objects flattened as `a.b` and `a[].b`. */
export function fieldRows(schema: JsonSchema, prefix = ''): FieldRow[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).flatMap(([name, property]) => {
    const path = prefix ? `${prefix}.${name}` : name;
    const row: FieldRow = { path, type: typeOf(property), required: required.has(name) };
    if (property.properties) return [row, ...fieldRows(property, path)];
    if (property.items?.properties) return [row, ...fieldRows(property.items, `${path}[]`)];
    return [row];
  });
}

/** Table cells cannot hold a raw pipe or a line break. */
const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
const code = (text: string): string => `\`${text}\``;

function fieldTable(rows: readonly FieldRow[], notes: Record<string, string> = {}): string[] {
  const withNotes = Object.keys(notes).length > 0;
  return [
    withNotes ? '| Field | Type | Required | Meaning |' : '| Field | Type | Required |',
    withNotes ? '| --- | --- | --- | --- |' : '| --- | --- | --- |',
    ...rows.map((row) => {
      const cells = [code(row.path), cell(row.type), row.required ? 'yes' : 'no'];
      if (withNotes) cells.push(cell(notes[row.path] ?? ''));
      return `| ${cells.join(' | ')} |`;
    }),
  ];
}

const metadataNotes: Record<string, string> = {
  version: 'The schema version of `data`; within a version only additive changes are made.',
  correlationId:
    'The order id (the cart id for cart events): ties every event and log line of one order together.',
  idempotencyKey:
    '`<orderId>:<step>`, stable across retries of the step; consumers key their inbox row on it, so a ' +
    'redelivery or an archive replay changes nothing.',
  occurredAt: 'When the producer recorded the change (ISO 8601, UTC).',
};

function deliveryText(deliveries: readonly Delivery[]): string {
  if (deliveries.length === 0) return 'no rule (on the bus and in its archive only)';
  return deliveries
    .map(
      (delivery) =>
        `${code(delivery.queue)} queue (rule ${code(delivery.rule)}) → ${delivery.consumer ? code(delivery.consumer) : 'no consumer'}`,
    )
    .join('; ');
}

const anchor = (detailType: string): string => `#${detailType.toLowerCase()}`;

/** `OrderPlaced` → `shared/events/catalogue/order-placed.ts`, the one-module-per-event layout. */
export const eventModule = (detailType: string): string =>
  `shared/events/catalogue/${detailType.replace(/(?<!^)([A-Z])/g, '-$1').toLowerCase()}.ts`;

export function renderEventCatalogue(events: readonly AnyEvent[] = eventCatalogue): string {
  const lines: string[] = [
    '<!-- Generated from shared/events/catalogue.ts and shared/config/event-rules.ts by `npm run docs:events`',
    '     (shared/events/write-catalogue.ts). Do not edit by hand: tests/unit/events fails when this page is stale. -->',
    '',
    '# Event catalogue',
    '',
    `Every domain event the OMS publishes on the ${code(resourceNames.eventBusName)} bus (EventBridge on AWS, the`,
    'in-process bus of local/event-bus.ts locally). Each event is declared once, in its own module under',
    'shared/events/catalogue/ with a zod schema for its `data`, and listed in shared/events/catalogue.ts;',
    'producers build events with `create()`, which validates the data.',
    'Events are written in the same write as the producer’s state change, packed into the item that changes (decisions 0005 and 0006), and published from the table stream: at least once, deduplicated by idempotencyKey.',
    'Steps nobody outside the OMS acts on (a pick confirmed, a carrier chosen, a customer notified) are kept on the order’s timeline and not published.',
    '',
    '## Envelope',
    '',
    'A consumer receives the EventBridge envelope as the SQS message body, unchanged (no input transformer):',
    '',
    '| Field | Value |',
    '| --- | --- |',
    '| `version` | `"0"` |',
    '| `id` | Unique per publish. A replayed event also carries `replay-name`. |',
    '| `detail-type` | The event name, past tense: `OrderPlaced`. |',
    '| `source` | `oms.<context>`: the bounded context that owns the change. |',
    '| `time` | Set by the bus, second precision. |',
    '| `account`, `region`, `resources` | Set by the bus (locally `000000000000`, `local`, `[]`). |',
    '| `detail` | `{ metadata, data }`, below. |',
    '',
    '`detail.metadata`, the same for every event (shared/events/envelope.ts):',
    '',
    ...fieldTable(fieldRows(jsonSchemaOf(MetadataSchema)), metadataNotes),
    '',
    '`detail.data` is the event’s own schema, listed per event below.',
    '',
    '## Compatibility within a version',
    '',
    'Every published version is kept as the JSON Schema of its `data` in shared/events/published/ (one file per',
    'event and version, written by `npm run docs:events`), and tests/unit/events/published.test.ts fails when',
    'the code breaks one (shared/events/compatibility.ts): events of a version stay in the archive and the',
    'queues, and consumers parse them with the current schema while consumers of the published one read what',
    'the code emits now.',
    '',
    '- Allowed within a version: a new optional field, a new enum value, a bound loosened or removed.',
    '- Breaking (publish a new version instead): a field removed; a required field made optional or an',
    '  optional one required; a new required field; a changed type (a field made nullable, integer ↔ number,',
    '  object ↔ map); a union variant added or removed; an enum that lost a value; a changed format or',
    '  pattern; a bound tightened; an open object closed; a changed source.',
    '- A version is retired by deleting its snapshot, on purpose and visible in review.',
    '',
    '## Rules and queues',
    '',
    'shared/config/event-rules.ts, read by the CDK stack (one EventBridge rule per entry, an SQS target with',
    'a dead-letter queue) and by the local bus (same patterns, EventBridge matching semantics).',
    '',
    '| Rule | Pattern | Queue | Consumer |',
    '| --- | --- | --- | --- |',
    ...eventRules.map((rule) => {
      const consumer = consumerOf(rule.target);
      return `| ${code(rule.name)} | ${code(cell(JSON.stringify(rule.pattern)))} | ${code(rule.target)} | ${consumer ? code(consumer) : '—'} |`;
    }),
    '',
    '## Summary',
    '',
    '| Event | Source | Version | Producers | Delivered to |',
    '| --- | --- | --- | --- | --- |',
    ...events.map((event) => {
      const queues = deliveriesOf(event).map((delivery) => code(delivery.queue));
      return `| [${event.detailType}](${anchor(event.detailType)}) | ${code(event.source)} | ${event.version} | ${event.producers.map(code).join(', ')} | ${queues.length > 0 ? queues.join(', ') : '—'} |`;
    }),
    '',
    '## Events',
  ];

  for (const event of events) {
    lines.push(
      '',
      `### ${event.detailType}`,
      '',
      event.description,
      '',
      `- Source: ${code(event.source)}, version ${event.version}, declared in [${eventModule(event.detailType)}](../${eventModule(event.detailType)})`,
      `- Producers: ${event.producers.map(code).join(', ')}`,
      `- Delivered to: ${deliveryText(deliveriesOf(event))}`,
      '',
      ...fieldTable(fieldRows(jsonSchemaOf(event.schema))),
    );
  }
  lines.push('');
  return lines.join('\n');
}
