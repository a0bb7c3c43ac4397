/**
 * Whether the schema of an event's `data` may replace the one published for the same version. Events of a
 * version stay in the bus archive, in queues and dead-letter queues, and consumers parse them with the
 * schema of the current code, while consumers written against the published schema read what the current
 * code emits: a change within a version must hold for both. The rules, on the JSON Schema that
 * `z.toJSONSchema` produces (docs/events.md, "Compatibility within a version"):
 *
 * - breaking: a field removed; a required field made optional or an optional one required; a new required
 *   field; a changed type (including a field made nullable, integer ↔ number, object ↔ map); a union variant
 *   added or removed; an enum that lost a value, or a free value restricted to an enum; a changed format or
 *   pattern; a bound tightened (minimum, maximum, lengths, item counts); an open object closed.
 * - additive, allowed: a new optional field; a new enum value; a bound loosened or removed.
 *
 * Pure: no files, no zod. shared/events/published.ts applies it to the committed snapshots.
 */

/** The subset of JSON Schema (draft 2020-12) that z.toJSONSchema produces for event data. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  [keyword: string]: unknown;
}

/** One incompatibility: where (`a.b[].c`, or `(data)` for the root) and what changed. */
export interface BreakingChange {
  path: string;
  change: string;
}

export const formatBreakingChange = (issue: BreakingChange): string => `${issue.path}: ${issue.change}`;

const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems'] as const;
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems'] as const;

const variantsOf = (schema: JsonSchema): JsonSchema[] | undefined => schema.anyOf ?? schema.oneOf;

/** The JSON types a schema allows; `any` when it does not say (an empty schema, `z.unknown()`). */
function typesOf(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return [...new Set(schema.type)].sort();
  if (typeof schema.type === 'string') return [schema.type];
  const values = valuesOf(schema);
  if (values) {
    return [...new Set(values.map((value) => (value === null ? 'null' : typeof value)))].sort();
  }
  if (schema.properties) return ['object'];
  if (schema.items) return ['array'];
  return ['any'];
}

/** The values an enum or a const allows; undefined when any value of the type is allowed. */
function valuesOf(schema: JsonSchema): unknown[] | undefined {
  if (schema.enum) return schema.enum;
  if (schema.const !== undefined) return [schema.const];
  return undefined;
}

const same = (a: readonly string[], b: readonly string[]) => a.join('|') === b.join('|');
const show = (value: unknown) => JSON.stringify(value);
const child = (path: string, name: string) => (path === '' ? name : `${path}.${name}`);
const describe = (schema: JsonSchema): string => {
  const values = valuesOf(schema);
  return values ? values.map(show).join(' | ') : typesOf(schema).join(' or ');
};

/**
 * Every way `current` breaks consumers or archived events of `published`; empty when the change is
 * additive only. Both are the JSON Schema of the same event's `data` at the same version.
 */
export function breakingChanges(published: JsonSchema, current: JsonSchema, path = ''): BreakingChange[] {
  const issues: BreakingChange[] = [];
  const at = path === '' ? '(data)' : path;
  const add = (change: string) => issues.push({ path: at, change });

  const publishedVariants = variantsOf(published);
  const currentVariants = variantsOf(current);
  if (publishedVariants || currentVariants) {
    const before = publishedVariants ?? [published];
    const after = currentVariants ?? [current];
    const fits = (old: JsonSchema, now: JsonSchema) => breakingChanges(old, now, path).length === 0;
    for (const old of before) {
      if (!after.some((now) => fits(old, now))) add(`union variant ${describe(old)} was removed or changed`);
    }
    for (const now of after) {
      if (!before.some((old) => fits(old, now))) add(`union variant ${describe(now)} was added`);
    }
    return issues;
  }

  const typesBefore = typesOf(published);
  const typesAfter = typesOf(current);
  if (!same(typesBefore, typesAfter)) {
    add(`type changed from ${typesBefore.join(' or ')} to ${typesAfter.join(' or ')}`);
    return issues;
  }

  const valuesBefore = valuesOf(published);
  const valuesAfter = valuesOf(current);
  if (valuesAfter && !valuesBefore) add(`restricted to ${valuesAfter.map(show).join(' | ')}`);
  if (valuesBefore && valuesAfter) {
    const kept = new Set(valuesAfter.map(show));
    const lost = valuesBefore.map(show).filter((value) => !kept.has(value));
    if (lost.length > 0) add(`enum lost ${lost.join(', ')}`);
  }

  if (published.format !== current.format) {
    add(`format changed from ${published.format ?? 'none'} to ${current.format ?? 'none'}`);
  } else if (published.format === undefined && current.pattern !== undefined) {
    // A format carries its own pattern (which zod may word differently from one release to the next).
    if (current.pattern !== published.pattern) add(`pattern changed to ${current.pattern}`);
  }

  for (const bound of LOWER_BOUNDS) {
    const before = published[bound];
    const after = current[bound];
    if (after !== undefined && (before === undefined || after > before)) {
      add(`${bound} tightened from ${before ?? 'none'} to ${after}`);
    }
  }
  for (const bound of UPPER_BOUNDS) {
    const before = published[bound];
    const after = current[bound];
    if (after !== undefined && (before === undefined || after < before)) {
      add(`${bound} tightened from ${before ?? 'none'} to ${after}`);
    }
  }

  if (typesAfter.includes('object')) issues.push(...objectChanges(published, current, path));
  if (typesAfter.includes('array') && (published.items || current.items)) {
    issues.push(...breakingChanges(published.items ?? {}, current.items ?? {}, `${path}[]`));
  }
  return issues;
}

function objectChanges(published: JsonSchema, current: JsonSchema, path: string): BreakingChange[] {
  const issues: BreakingChange[] = [];
  const before = published.properties ?? {};
  const after = current.properties ?? {};
  const requiredBefore = new Set(published.required ?? []);
  const requiredAfter = new Set(current.required ?? []);
  for (const [name, schema] of Object.entries(before)) {
    const field = child(path, name);
    const now = after[name];
    if (!now) {
      issues.push({ path: field, change: 'field removed' });
      continue;
    }
    if (requiredBefore.has(name) && !requiredAfter.has(name)) {
      issues.push({ path: field, change: 'required field made optional' });
    }
    if (!requiredBefore.has(name) && requiredAfter.has(name)) {
      issues.push({ path: field, change: 'optional field made required' });
    }
    issues.push(...breakingChanges(schema, now, field));
  }
  for (const name of Object.keys(after)) {
    if (!(name in before) && requiredAfter.has(name)) {
      issues.push({ path: child(path, name), change: 'new required field' });
    }
  }

  // Maps (`z.record`) hold their values under additionalProperties; plain objects say whether they are open.
  const mapBefore = mapValues(published);
  const mapAfter = mapValues(current);
  const at = path === '' ? '(data)' : path;
  if (mapBefore && mapAfter) {
    issues.push(...breakingChanges(mapBefore, mapAfter, `${path}{}`));
  } else if (mapBefore || mapAfter) {
    issues.push({ path: at, change: mapBefore ? 'was a map, is an object' : 'was an object, is a map' });
  } else if (published.additionalProperties !== false && current.additionalProperties === false) {
    issues.push({ path: at, change: 'closed to fields it allowed before' });
  }
  return issues;
}

/**
 * The schema of a map's values, or undefined for a plain object. `z.record` names its keys
 * (`propertyNames`); a loose object's `additionalProperties: {}` only says it is open.
 */
function mapValues(schema: JsonSchema): JsonSchema | undefined {
  const extra = schema.additionalProperties;
  if (typeof extra !== 'object') return undefined;
  if (schema.propertyNames || (!schema.properties && Object.keys(extra).length > 0)) return extra;
  return undefined;
}
