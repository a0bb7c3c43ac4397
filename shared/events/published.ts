import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { eventCatalogue } from './catalogue.js';
import { breakingChanges, formatBreakingChange, type JsonSchema } from './compatibility.js';
import { type EventDefinition, MetadataSchema } from './envelope.js';

/**
 * The published versions of every event: one JSON file per event and version under shared/events/published/
 * (`order-placed.v1.json`), holding the JSON Schema of its `data` as last published, plus the envelope's
 * metadata (`envelope-metadata.json`). `npm run docs:events` writes them (new events and versions, and
 * additive changes); tests/unit/events/published.test.ts fails when the code breaks one of them.
 *
 * A snapshot is only ever removed by hand: deleting `x.v1.json` is how a version is retired (a new version
 * replaced it, or the event is no longer published), visible in review as a deleted file.
 */

export const publishedDir = fileURLToPath(new URL('./published/', import.meta.url));
export const METADATA_FILE = 'envelope-metadata.json';

// biome-ignore lint/suspicious/noExplicitAny: the catalogue holds events of many different schemas.
type AnyEvent = EventDefinition<any>;

export interface Snapshot {
  detailType: string;
  source: string;
  version: number;
  schema: JsonSchema;
}

/** `OrderPlaced` v1 → `order-placed.v1.json`. */
export const snapshotFile = (detailType: string, version: number): string =>
  `${detailType.replace(/(?<!^)([A-Z])/g, '-$1').toLowerCase()}.v${version}.json`;

function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema) as JsonSchema;
  return rest;
}

/** What the snapshot of an event of the catalogue would hold today. */
export const snapshotOf = (event: AnyEvent): Snapshot => ({
  detailType: event.detailType,
  source: event.source,
  version: event.version,
  schema: jsonSchemaOf(event.schema),
});

export const metadataSnapshot = (): JsonSchema => jsonSchemaOf(MetadataSchema);

export interface PublishedState {
  events: Map<string, Snapshot>;
  metadata?: JsonSchema;
}

/** The committed snapshots, keyed by file name. */
export function readPublished(dir = publishedDir): PublishedState {
  const events = new Map<string, Snapshot>();
  let metadata: JsonSchema | undefined;
  if (!existsSync(dir)) return { events };
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.json')) continue;
    const content = JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown;
    if (file === METADATA_FILE) metadata = (content as { schema: JsonSchema }).schema;
    else events.set(file, content as Snapshot);
  }
  return { events, ...(metadata ? { metadata } : {}) };
}

export interface PublishedCheck {
  /** Changes to a published version that consumers or archived events would not survive. */
  breaking: string[];
  /** Published versions no event of the catalogue carries any more: retire them by deleting the file. */
  retired: string[];
  /** Catalogue events, versions or additive changes not written to a snapshot yet (`npm run docs:events`). */
  unpublished: string[];
}

/** Compares the catalogue with the committed snapshots. */
export function checkPublished(
  published: PublishedState = readPublished(),
  events: readonly AnyEvent[] = eventCatalogue,
): PublishedCheck {
  const check: PublishedCheck = { breaking: [], retired: [], unpublished: [] };
  const current = new Map(events.map((event) => [snapshotFile(event.detailType, event.version), event]));
  for (const [file, snapshot] of published.events) {
    const event = current.get(file);
    const name = `${snapshot.detailType} v${snapshot.version}`;
    if (!event) {
      check.retired.push(`${name} (${file}) is published but no longer in the catalogue`);
      continue;
    }
    if (event.source !== snapshot.source) {
      check.breaking.push(`${name}: source changed from ${snapshot.source} to ${event.source}`);
    }
    const now = snapshotOf(event);
    for (const issue of breakingChanges(snapshot.schema, now.schema)) {
      check.breaking.push(`${name}: ${formatBreakingChange(issue)}`);
    }
    if (JSON.stringify(canonical(now)) !== JSON.stringify(canonical(snapshot))) {
      check.unpublished.push(`${name}: the snapshot (${file}) differs from the code`);
    }
  }
  for (const [file, event] of current) {
    if (!published.events.has(file)) {
      check.unpublished.push(`${event.detailType} v${event.version} has no snapshot (${file})`);
    }
  }
  const metadata = metadataSnapshot();
  if (!published.metadata) {
    check.unpublished.push(`the envelope metadata has no snapshot (${METADATA_FILE})`);
  } else {
    for (const issue of breakingChanges(published.metadata, metadata)) {
      check.breaking.push(`envelope metadata: ${formatBreakingChange(issue)}`);
    }
    if (JSON.stringify(canonical(metadata)) !== JSON.stringify(canonical(published.metadata))) {
      check.unpublished.push(`the envelope metadata differs from its snapshot (${METADATA_FILE})`);
    }
  }
  return check;
}

/** Key order does not matter to a schema: compare with sorted keys. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * Writes the snapshot of every catalogue event whose version has none or changed additively. Refuses (and
 * writes nothing) while any change is breaking: bump the event's version, or, for a version never used in
 * production, delete its snapshot on purpose. Returns the files written.
 */
export function writePublished(dir = publishedDir, events: readonly AnyEvent[] = eventCatalogue): string[] {
  const published = readPublished(dir);
  const check = checkPublished(published, events);
  if (check.breaking.length > 0) {
    throw new Error(
      `breaking changes to published event versions (nothing written):\n  ${check.breaking.join('\n  ')}\n` +
        'Publish a new version of the event instead, or delete the snapshot of a version no one consumes yet.',
    );
  }
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const write = (file: string, content: unknown) => {
    const path = join(dir, file);
    const text = `${printJson(content)}\n`;
    if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
    writeFileSync(path, text);
    written.push(file);
  };
  for (const event of events) write(snapshotFile(event.detailType, event.version), snapshotOf(event));
  write(METADATA_FILE, { schema: metadataSnapshot() });
  return written;
}

const LINE_WIDTH = 110;

/**
 * JSON laid out as Biome formats it (the repository's formatter): objects one key per line, arrays of
 * scalars on one line when they fit, so a regenerated snapshot never fails `npm run lint`.
 */
export function printJson(value: unknown, indent = 0, prefix = 0): string {
  const pad = ' '.repeat(indent + 2);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const scalars = value.every((item) => item === null || typeof item !== 'object');
    const inline = `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
    if (scalars && indent + prefix + inline.length + 1 <= LINE_WIDTH) return inline;
    const items = value.map((item) => `${pad}${printJson(item, indent + 2)}`);
    return `[\n${items.join(',\n')}\n${' '.repeat(indent)}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    if (entries.length === 0) return '{}';
    const lines = entries.map(([key, item]) => {
      const label = `${JSON.stringify(key)}: `;
      return `${pad}${label}${printJson(item, indent + 2, label.length)}`;
    });
    return `{\n${lines.join(',\n')}\n${' '.repeat(indent)}}`;
  }
  return JSON.stringify(value);
}
