import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  breakingChanges,
  formatBreakingChange,
  type JsonSchema,
} from '../../../shared/events/compatibility.js';
import { defineEvent } from '../../../shared/events/envelope.js';
import {
  checkPublished,
  printJson,
  publishedDir,
  readPublished,
  snapshotFile,
  writePublished,
} from '../../../shared/events/published.js';

const json = (schema: z.ZodType) => z.toJSONSchema(schema) as JsonSchema;
/** The breaking changes of `after` against `before`, as `path: change` lines. */
const changes = (before: z.ZodType, after: z.ZodType) =>
  breakingChanges(json(before), json(after)).map(formatBreakingChange);

const line = z.object({ sku: z.string(), quantity: z.number().int() });
const base = z.object({
  orderId: z.string(),
  status: z.enum(['placed', 'shipped']),
  note: z.string().optional(),
  lines: z.array(line),
});

describe('Given the published event versions under shared/events/published/', () => {
  it('the current catalogue breaks none of them', () => {
    expect(checkPublished().breaking, 'bump the event version instead').toEqual([]);
  });

  it('every published version is still in the catalogue (delete a snapshot to retire its version)', () => {
    expect(checkPublished().retired).toEqual([]);
  });

  it('every event version of the catalogue is published as it is now (run `npm run docs:events`)', () => {
    expect(checkPublished().unpublished).toEqual([]);
  });

  it('holds one snapshot file per event version, laid out as the writer lays it out', () => {
    for (const file of readdirSync(publishedDir)) {
      const text = readFileSync(join(publishedDir, file), 'utf8');
      expect(text, file).toBe(`${printJson(JSON.parse(text))}\n`);
    }
  });
});

describe('Given a published schema and a change to it within the same version', () => {
  describe('When the change is additive', () => {
    it('passes a new optional field, at the root and inside array items', () => {
      const after = base.extend({
        channel: z.string().optional(),
        lines: z.array(line.extend({ unitPrice: z.number().int().optional() })),
      });
      expect(changes(base, after)).toEqual([]);
    });

    it('passes a new enum value, and a bound loosened or removed', () => {
      expect(changes(base, base.extend({ status: z.enum(['placed', 'shipped', 'failed']) }))).toEqual([]);
      const bounded = z.object({ code: z.string().min(3).max(8) });
      expect(changes(bounded, z.object({ code: z.string().min(1).max(20) }))).toEqual([]);
      expect(changes(bounded, z.object({ code: z.string() }))).toEqual([]);
    });

    it('passes the same schema, and the same fields in another order', () => {
      expect(changes(base, base)).toEqual([]);
      const reordered = z.object({
        lines: z.array(line),
        note: z.string().optional(),
        status: z.enum(['placed', 'shipped']),
        orderId: z.string(),
      });
      expect(changes(base, reordered)).toEqual([]);
    });

    it('passes a union that keeps its variants and adds an optional field to one', () => {
      const before = z.object({
        at: z.union([z.object({ kind: z.literal('ship') }), z.object({ id: z.string() })]),
      });
      const after = z.object({
        at: z.union([
          z.object({ kind: z.literal('ship'), by: z.string().optional() }),
          z.object({ id: z.string() }),
        ]),
      });
      expect(changes(before, after)).toEqual([]);
    });
  });

  describe('When the change breaks consumers or archived events', () => {
    it('fails a lost field, required or optional, at the root and inside array items', () => {
      const { note: _, ...rest } = base.shape;
      expect(changes(base, z.object(rest))).toEqual(['note: field removed']);
      expect(changes(base, base.extend({ lines: z.array(z.object({ sku: z.string() })) }))).toEqual([
        'lines[].quantity: field removed',
      ]);
    });

    it('fails a changed type, integer to number included', () => {
      expect(changes(base, base.extend({ orderId: z.number() }))).toEqual([
        'orderId: type changed from string to number',
      ]);
      expect(changes(base, base.extend({ lines: z.array(line.extend({ quantity: z.number() })) }))).toEqual([
        'lines[].quantity: type changed from integer to number',
      ]);
      expect(changes(base, base.extend({ lines: z.string() }))).toEqual([
        'lines: type changed from array to string',
      ]);
    });

    it('fails a field made nullable', () => {
      expect(changes(base, base.extend({ orderId: z.string().nullable() }))).toEqual([
        'orderId: type changed from string to null or string',
      ]);
    });

    it('fails an optional field made required, and a required one made optional', () => {
      expect(changes(base, base.extend({ note: z.string() }))).toEqual([
        'note: optional field made required',
      ]);
      expect(changes(base, base.extend({ orderId: z.string().optional() }))).toEqual([
        'orderId: required field made optional',
      ]);
    });

    it('fails a new required field', () => {
      expect(changes(base, base.extend({ channel: z.string() }))).toEqual(['channel: new required field']);
    });

    it('fails a narrowed enum, and a free value restricted to an enum', () => {
      expect(changes(base, base.extend({ status: z.enum(['placed']) }))).toEqual([
        'status: enum lost "shipped"',
      ]);
      expect(changes(base, base.extend({ orderId: z.enum(['a', 'b']) }))).toEqual([
        'orderId: restricted to "a" | "b"',
      ]);
    });

    it('fails a changed format and a tightened bound', () => {
      const at = z.object({ at: z.iso.datetime(), code: z.string().max(8) });
      expect(changes(at, at.extend({ at: z.iso.date() }))).toEqual([
        'at: format changed from date-time to date',
      ]);
      expect(changes(at, at.extend({ code: z.string().max(4) }))).toEqual([
        'code: maxLength tightened from 8 to 4',
      ]);
      expect(
        changes(
          at,
          at.extend({
            code: z
              .string()
              .max(8)
              .regex(/^[A-Z]+$/),
          }),
        ),
      ).toEqual(['code: pattern changed to ^[A-Z]+$']);
    });

    it('fails a union that lost or gained a variant', () => {
      const before = z.object({
        at: z.union([z.object({ kind: z.literal('ship') }), z.object({ id: z.string() })]),
      });
      expect(changes(before, z.object({ at: z.object({ kind: z.literal('ship') }) }))).toEqual([
        'at: union variant object was removed or changed',
      ]);
      const wider = z.object({
        at: z.union([
          z.object({ kind: z.literal('ship') }),
          z.object({ id: z.string() }),
          z.object({ n: z.number() }),
        ]),
      });
      expect(changes(before, wider)).toEqual(['at: union variant object was added']);
    });

    it('fails a map turned into an object, and an open object closed', () => {
      const map = z.object({ counts: z.record(z.string(), z.number()) });
      expect(changes(map, z.object({ counts: z.object({ a: z.number() }) }))).toEqual([
        'counts.a: new required field',
        'counts: was a map, is an object',
      ]);
      expect(changes(map, z.object({ counts: z.record(z.string(), z.string()) }))).toEqual([
        'counts{}: type changed from number to string',
      ]);
      expect(changes(z.looseObject({ a: z.string() }), z.object({ a: z.string() }))).toEqual([
        '(data): closed to fields it allowed before',
      ]);
    });

    it('reports every breaking change at once', () => {
      const after = z.object({ orderId: z.number(), status: z.enum(['placed']), lines: z.array(line) });
      expect(changes(base, after)).toEqual([
        'orderId: type changed from string to number',
        'status: enum lost "shipped"',
        'note: field removed',
      ]);
    });
  });
});

describe('Given the snapshot writer (npm run docs:events)', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const event = (schema: z.ZodType, version = 1, source: `oms.${string}` = 'oms.orders') =>
    defineEvent({
      source,
      detailType: 'ThingHappened',
      version,
      description: 'A test event.',
      producers: [],
      consumers: [],
      schema,
    });
  const file = (version: number) => join(dir, snapshotFile('ThingHappened', version));
  const stored = (version = 1) => JSON.parse(readFileSync(file(version), 'utf8'));

  it('publishes a new event, records an additive change, and adds a new version beside the old one', () => {
    dir = mkdtempSync(join(tmpdir(), 'published-'));
    expect(writePublished(dir, [event(base)])).toEqual(['thing-happened.v1.json', 'envelope-metadata.json']);
    expect(writePublished(dir, [event(base)])).toEqual([]);

    const wider = base.extend({ channel: z.string().optional() });
    expect(checkPublished(readPublished(dir), [event(wider)]).unpublished).toHaveLength(1);
    expect(writePublished(dir, [event(wider)])).toEqual(['thing-happened.v1.json']);
    expect(Object.keys(stored().schema.properties)).toContain('channel');

    // A field added and published, then removed again, is a breaking change like any other.
    expect(checkPublished(readPublished(dir), [event(base)]).breaking).toEqual([
      'ThingHappened v1: channel: field removed',
    ]);

    const v2 = z.object({ orderId: z.string() });
    writePublished(dir, [event(v2, 2)]);
    expect(stored(2).version).toBe(2);
    expect(stored(1).version).toBe(1);
    expect(checkPublished(readPublished(dir), [event(v2, 2)]).retired).toEqual([
      'ThingHappened v1 (thing-happened.v1.json) is published but no longer in the catalogue',
    ]);
  });

  it('refuses a breaking change and writes nothing', () => {
    dir = mkdtempSync(join(tmpdir(), 'published-'));
    writePublished(dir, [event(base)]);
    const before = readFileSync(file(1), 'utf8');
    expect(() => writePublished(dir, [event(base.extend({ note: z.string() }))])).toThrow(
      /ThingHappened v1: note: optional field made required/,
    );
    expect(() => writePublished(dir, [event(base, 1, 'oms.carts')])).toThrow(/source changed/);
    expect(readFileSync(file(1), 'utf8')).toBe(before);
  });

  it('fails the check when a snapshot was edited by hand into something the code breaks', () => {
    dir = mkdtempSync(join(tmpdir(), 'published-'));
    writePublished(dir, [event(base)]);
    const snapshot = stored();
    snapshot.schema.properties.extra = { type: 'string' };
    writeFileSync(file(1), JSON.stringify(snapshot));
    expect(checkPublished(readPublished(dir), [event(base)]).breaking).toEqual([
      'ThingHappened v1: extra: field removed',
    ]);
  });
});
