import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { functions } from '../../../shared/config/functions.js';
import { eventCatalogue } from '../../../shared/events/catalogue.js';
import {
  deliveriesOf,
  eventCatalogueFile,
  eventModule,
  renderEventCatalogue,
} from '../../../shared/events/catalogue-doc.js';
import { MetadataSchema } from '../../../shared/events/envelope.js';

/** Past participles that do not end in -ed; extend when an event needs one. */
const IRREGULAR_PAST = new Set(['Sent', 'Paid', 'Sold', 'Held', 'Built', 'Made', 'Taken', 'Given', 'Split']);

const contexts = new Set(functions.map((fn) => fn.context));
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
}

/** The smallest value a JSON schema accepts, so `create()` can be exercised for every event. */
function sampleOf(schema: JsonSchema): unknown {
  if (schema.enum) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return 'x';
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return schema.items ? [sampleOf(schema.items)] : [];
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([name, property]) => [name, sampleOf(property)]),
      );
    default:
      return null;
  }
}

describe('Given the event catalogue', () => {
  describe('When docs/events.md is compared with what the code renders', () => {
    it('is identical', () => {
      const onDisk = existsSync(eventCatalogueFile) ? readFileSync(eventCatalogueFile, 'utf8') : '';
      expect(onDisk, 'docs/events.md is out of date: run `npm run docs:events`').toBe(renderEventCatalogue());
    });
  });

  describe('When its events are checked against the conventions', () => {
    it.each(eventCatalogue.map((event) => [event.detailType, event] as const))(
      '%s has a past-tense PascalCase detail-type',
      (detailType) => {
        expect(detailType).toMatch(/^(?:[A-Z][a-z0-9]*)+$/);
        const lastWord = detailType.match(/[A-Z][a-z0-9]*$/)?.[0] ?? '';
        expect(lastWord.endsWith('ed') || IRREGULAR_PAST.has(lastWord), `${lastWord} is not past tense`).toBe(
          true,
        );
      },
    );

    it.each(eventCatalogue.map((event) => [event.detailType, event] as const))(
      '%s comes from oms.<context> of a bounded context that has functions',
      (_, event) => {
        expect(event.source).toMatch(/^oms\.[a-z]+$/);
        expect(contexts.has(event.source.slice('oms.'.length))).toBe(true);
      },
    );

    it.each(eventCatalogue.map((event) => [event.detailType, event] as const))(
      '%s is declared in its own module under shared/events/catalogue/',
      (detailType) => {
        expect(existsSync(new URL(`../../../${eventModule(detailType)}`, import.meta.url))).toBe(true);
      },
    );

    it('gives every event a version of at least 1', () => {
      for (const event of eventCatalogue) {
        expect(Number.isInteger(event.version) && event.version >= 1, event.detailType).toBe(true);
      }
    });

    it('never uses a detail-type twice', () => {
      const detailTypes = eventCatalogue.map((event) => event.detailType);
      expect(new Set(detailTypes).size).toBe(detailTypes.length);
    });

    it('names only producers that exist in shared/config/functions.ts', () => {
      for (const event of eventCatalogue) {
        for (const producer of event.producers) {
          const pattern = new RegExp(`^${producer.split('*').map(escapeRegExp).join('[a-z0-9-]+')}$`);
          expect(
            functions.some((fn) => pattern.test(fn.name)),
            `${event.detailType}: ${producer}`,
          ).toBe(true);
        }
      }
    });

    it('declares as consumers exactly the queues its rules deliver it to', () => {
      for (const event of eventCatalogue) {
        const delivered = deliveriesOf(event).map((delivery) => delivery.queue);
        expect([...event.consumers].sort(), event.detailType).toEqual(delivered.sort());
      }
    });
  });

  describe('When an event is created', () => {
    const occurredAt = new Date('2026-03-01T12:00:00.000Z');

    it.each(eventCatalogue.map((event) => [event.detailType, event] as const))(
      '%s has detail { metadata: { version, correlationId, idempotencyKey, occurredAt }, data }',
      (_, event) => {
        const data = sampleOf(z.toJSONSchema(event.schema) as JsonSchema);
        const created = event.create(data as never, {
          correlationId: 'ord_1',
          idempotencyKey: 'ord_1:step',
          occurredAt,
        });
        expect(created.source).toBe(event.source);
        expect(created.detailType).toBe(event.detailType);
        expect(Object.keys(created.detail).sort()).toEqual(['data', 'metadata']);
        expect(created.detail.metadata).toStrictEqual({
          version: event.version,
          correlationId: 'ord_1',
          idempotencyKey: 'ord_1:step',
          occurredAt: '2026-03-01T12:00:00.000Z',
        });
        expect(MetadataSchema.safeParse(created.detail.metadata).success).toBe(true);
        expect(created.detail.data).toEqual(data);
      },
    );

    it('refuses data that does not fit the schema', () => {
      const [event] = eventCatalogue;
      expect(() =>
        event.create({} as never, { correlationId: 'c', idempotencyKey: 'k', occurredAt }),
      ).toThrow();
    });
  });
});
