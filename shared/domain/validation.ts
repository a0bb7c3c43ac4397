import type { z } from 'zod';
import { type FieldIssue, ValidationError } from './errors.js';

/** Turns a zod issue path into the field name a caller reads in the response, e.g. `line_items[0].sku`. */
export type FieldNamer = (path: readonly PropertyKey[]) => string;

/** Formats a path as `a.b[0].c`, under `prefix` when given (`data.lines[0].sku`). */
export function fieldPath(path: readonly PropertyKey[], prefix?: string): string {
  let out = prefix ?? '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(body)' : out;
}

/**
 * Converts a zod failure into the 400 the caller sees. The message names the first field and why, so a
 * log line or a merchant's webhook dashboard is enough to find the problem without reading `fields`.
 */
export function toValidationError(error: z.ZodError, prefix?: string | FieldNamer): ValidationError {
  const name: FieldNamer = typeof prefix === 'function' ? prefix : (path) => fieldPath(path, prefix);
  // One entry per field: a value can break several rules at once ('usa' is too long and not upper case).
  const byField = new Map<string, string[]>();
  for (const issue of error.issues) {
    const field = name(issue.path);
    byField.set(field, [...(byField.get(field) ?? []), issue.message]);
  }
  return validationErrorFrom(
    [...byField].map(([field, messages]) => ({ field, message: messages.join('; ') })),
  );
}

/** Builds a ValidationError from field issues with the same message shape as `toValidationError`. */
export function validationErrorFrom(fields: FieldIssue[]): ValidationError {
  const [first] = fields;
  if (!first) return new ValidationError('invalid input', fields);
  const more = fields.length > 1 ? ` (and ${fields.length - 1} more)` : '';
  return new ValidationError(`${first.field}: ${first.message}${more}`, fields);
}

/**
 * How canonical field names read in a channel's payload: a key maps to the channel's name (dotted for a
 * nested one), or to `[name, children]` when the field is an object or an array of objects (indices pass
 * through). An empty name adds no segment, for canonical objects whose fields come from the channel's root.
 */
export interface FieldMap {
  readonly [key: string]: string | readonly [string, FieldMap];
}

/**
 * A FieldNamer that reports errors found in the canonical order under the names the channel sent, so a
 * Shopify merchant reads `shipping_address.zip`, not `shippingAddress.postalCode`.
 */
export function renameFields(map: FieldMap): FieldNamer {
  return (path) => {
    const out: PropertyKey[] = [];
    let current: FieldMap | undefined = map;
    for (const key of path) {
      if (typeof key === 'number') {
        out.push(key);
        continue;
      }
      const entry: FieldMap[string] | undefined = current?.[String(key)];
      if (entry === undefined) {
        out.push(key);
        current = undefined;
      } else if (typeof entry === 'string') {
        out.push(...segments(entry));
        current = undefined;
      } else {
        out.push(...segments(entry[0]));
        current = entry[1];
      }
    }
    return fieldPath(out);
  };
}

function segments(name: string): string[] {
  return name === '' ? [] : name.split('.');
}

/** `schema.parse` that throws ValidationError instead of ZodError. */
export function parseWith<T>(schema: z.ZodType<T>, input: unknown, prefix?: string | FieldNamer): T {
  const result = schema.safeParse(input);
  if (!result.success) throw toValidationError(result.error, prefix);
  return result.data;
}
