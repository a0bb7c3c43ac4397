import { isIPv4, isIPv6 } from 'node:net';

/**
 * Amazon EventBridge event-pattern matching, so the local bus routes exactly what the deployed rules route.
 * Semantics follow the EventBridge user guide and aws/event-ruler (the engine behind EventBridge):
 * - a pattern is an object; every key must match (AND), any element of a leaf array may match (OR);
 * - leaves match leaf values only (strings, numbers, booleans, null); when the event holds an array, the leaf
 *   matches if any element does, and objects are never leaf values;
 * - a missing field matches nothing except `{ "exists": false }` (so `anything-but` needs the field);
 * - a nested pattern applied to an array of objects must be satisfied by one element as a whole, the
 *   "array-consistent" matching of event-ruler's rulesForJSONEvent.
 * Patterns are validated like PutRule validates them, so a pattern EventBridge would refuse fails here too.
 */

export class InvalidEventPatternError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(path ? `Invalid event pattern at ${path}: ${message}` : `Invalid event pattern: ${message}`);
    this.name = 'InvalidEventPatternError';
  }
}

type Leaf = string | number | boolean | null;
type ValueMatcher = (value: Leaf) => boolean;

type LeafMatcher = { kind: 'exists'; exists: boolean } | { kind: 'value'; test: ValueMatcher };

interface CompiledObject {
  fields: { key: string; match: (value: unknown) => boolean }[];
  /** Each entry is one `$or`: at least one of its branches must match the same object. */
  ors: CompiledObject[][];
}

const OPERATORS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
]);

const compiled = new WeakMap<object, (event: unknown) => boolean>();

/** Throws {@link InvalidEventPatternError} when EventBridge would reject the pattern. */
export function validateEventPattern(pattern: unknown): void {
  compileEventPattern(pattern);
}

/**
 * Compiles a pattern once into a predicate. Invalid patterns throw here, not at match time, which is why the
 * bus compiles every rule when it is built.
 */
export function compileEventPattern(pattern: unknown): (event: unknown) => boolean {
  if (isPlainObject(pattern)) {
    const cached = compiled.get(pattern);
    if (cached) return cached;
  }
  if (!isPlainObject(pattern)) throw new InvalidEventPatternError('a pattern must be a JSON object', '');
  const root = compileObject(pattern, '', false);
  const predicate = (event: unknown): boolean => matchObject(root, isPlainObject(event) ? event : undefined);
  compiled.set(pattern, predicate);
  return predicate;
}

export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  return compileEventPattern(pattern)(event);
}

// ---------------------------------------------------------------------------------------------------------
// Compilation (validation happens here)

function compileObject(pattern: Record<string, unknown>, path: string, insideOr: boolean): CompiledObject {
  const keys = Object.keys(pattern);
  if (keys.length === 0) throw new InvalidEventPatternError('empty objects are not allowed', path);
  const result: CompiledObject = { fields: [], ors: [] };
  for (const key of keys) {
    const value = pattern[key];
    const here = path ? `${path}.${key}` : key;
    if (key === '$or') {
      result.ors.push(compileOr(value, here));
      continue;
    }
    // event-ruler refuses operator names as field names inside `$or`, where they are almost always a typo.
    if (insideOr && OPERATORS.has(key)) {
      throw new InvalidEventPatternError(
        `"${key}" is a reserved name and cannot be a field inside $or`,
        here,
      );
    }
    if (Array.isArray(value)) {
      result.fields.push({ key, match: compileLeaf(value, here) });
    } else if (isPlainObject(value)) {
      const nested = compileObject(value, here, insideOr);
      result.fields.push({ key, match: (eventValue) => matchNested(nested, eventValue) });
    } else {
      throw new InvalidEventPatternError(`"${key}" must be an object or an array`, here);
    }
  }
  return result;
}

function compileOr(value: unknown, path: string): CompiledObject[] {
  if (!Array.isArray(value)) throw new InvalidEventPatternError('$or must be an array of objects', path);
  if (value.length < 2) throw new InvalidEventPatternError('$or needs at least 2 objects', path);
  return value.map((branch, index) => {
    if (!isPlainObject(branch)) {
      throw new InvalidEventPatternError('only JSON objects are allowed in $or', `${path}[${index}]`);
    }
    return compileObject(branch, `${path}[${index}]`, true);
  });
}

function compileLeaf(values: unknown[], path: string): (value: unknown) => boolean {
  if (values.length === 0) throw new InvalidEventPatternError('empty arrays are not allowed', path);
  const matchers = values.map((value, index) => compileMatcher(value, `${path}[${index}]`));
  const existence = matchers.filter((m) => m.kind === 'exists');
  const tests = matchers.flatMap((m) => (m.kind === 'value' ? [m.test] : []));
  return (eventValue) => {
    const leaves = leafValues(eventValue);
    for (const e of existence) {
      if (e.exists === leaves.length > 0) return true;
    }
    return leaves.some((leaf) => tests.some((test) => test(leaf)));
  };
}

function compileMatcher(value: unknown, path: string): LeafMatcher {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    return { kind: 'value', test: (leaf) => leaf === value };
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidEventPatternError('numbers must be finite', path);
    return { kind: 'value', test: (leaf) => leaf === value };
  }
  if (!isPlainObject(value)) {
    throw new InvalidEventPatternError(
      'match values must be a string, number, boolean, null or object',
      path,
    );
  }
  const keys = Object.keys(value);
  const [operator] = keys;
  if (operator === undefined) throw new InvalidEventPatternError('match expression name not found', path);
  if (keys.length > 1) throw new InvalidEventPatternError('only one key allowed in a match expression', path);
  const argument = value[operator];
  const here = `${path}.${operator}`;
  switch (operator) {
    case 'prefix':
      return { kind: 'value', test: compileAffix(argument, here, 'prefix') };
    case 'suffix':
      return { kind: 'value', test: compileAffix(argument, here, 'suffix') };
    case 'equals-ignore-case': {
      const expected = fold(requireString(argument, here));
      return { kind: 'value', test: (leaf) => typeof leaf === 'string' && fold(leaf) === expected };
    }
    case 'wildcard': {
      const regex = wildcardRegex(requireString(argument, here), here);
      return { kind: 'value', test: (leaf) => typeof leaf === 'string' && regex.test(leaf) };
    }
    case 'anything-but':
      return { kind: 'value', test: compileAnythingBut(argument, here) };
    case 'numeric':
      return { kind: 'value', test: compileNumeric(argument, here) };
    case 'exists':
      if (typeof argument !== 'boolean')
        throw new InvalidEventPatternError('exists must be true or false', here);
      return { kind: 'exists', exists: argument };
    case 'cidr':
      return { kind: 'value', test: compileCidr(argument, here) };
    default:
      throw new InvalidEventPatternError(`unrecognized match type "${operator}"`, path);
  }
}

function compileAffix(argument: unknown, path: string, side: 'prefix' | 'suffix'): ValueMatcher {
  const has = (text: string, affix: string) =>
    side === 'prefix' ? text.startsWith(affix) : text.endsWith(affix);
  if (isPlainObject(argument)) {
    const keys = Object.keys(argument);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
      throw new InvalidEventPatternError(
        `${side} accepts a string or { "equals-ignore-case": string }`,
        path,
      );
    }
    const affix = fold(requireString(argument['equals-ignore-case'], `${path}.equals-ignore-case`));
    return (leaf) => typeof leaf === 'string' && has(fold(leaf), affix);
  }
  const affix = requireString(argument, path);
  return (leaf) => typeof leaf === 'string' && has(leaf, affix);
}

/**
 * `anything-but` fails only on a value of the same type that is excluded, so `{ "anything-but": "a" }`
 * matches 5, true and null (as in event-ruler, where string and numeric exclusions are typed).
 */
function compileAnythingBut(argument: unknown, path: string): ValueMatcher {
  if (typeof argument === 'string' || typeof argument === 'number') {
    return compileAnythingBut([argument], path);
  }
  if (Array.isArray(argument)) {
    if (argument.length === 0)
      throw new InvalidEventPatternError('anything-but list must not be empty', path);
    if (argument.every((v) => typeof v === 'string')) {
      const excluded = new Set<string>(argument);
      return (leaf) => !(typeof leaf === 'string' && excluded.has(leaf));
    }
    if (argument.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      const excluded = new Set<number>(argument);
      return (leaf) => !(typeof leaf === 'number' && excluded.has(leaf));
    }
    throw new InvalidEventPatternError('anything-but list must hold only strings or only numbers', path);
  }
  if (!isPlainObject(argument)) {
    throw new InvalidEventPatternError('anything-but takes a string, a number, a list or an object', path);
  }
  const keys = Object.keys(argument);
  const [operator] = keys;
  if (operator === undefined || keys.length > 1) {
    throw new InvalidEventPatternError('anything-but object must have exactly one key', path);
  }
  const inner = argument[operator];
  const here = `${path}.${operator}`;
  switch (operator) {
    case 'prefix':
    case 'suffix': {
      const affix = requireString(inner, here);
      if (affix === '') throw new InvalidEventPatternError(`empty ${operator} is not allowed`, here);
      const has =
        operator === 'prefix' ? (s: string) => s.startsWith(affix) : (s: string) => s.endsWith(affix);
      return (leaf) => !(typeof leaf === 'string' && has(leaf));
    }
    case 'equals-ignore-case': {
      const excluded = new Set(stringOrStrings(inner, here).map(fold));
      return (leaf) => !(typeof leaf === 'string' && excluded.has(fold(leaf)));
    }
    case 'wildcard': {
      const regexes = stringOrStrings(inner, here).map((w) => wildcardRegex(w, here));
      return (leaf) => !(typeof leaf === 'string' && regexes.some((r) => r.test(leaf)));
    }
    default:
      throw new InvalidEventPatternError(`unsupported anything-but pattern "${operator}"`, path);
  }
}

const LOWER = new Set(['>', '>=']);
const UPPER = new Set(['<', '<=']);

/** Numeric ranges as EventBridge accepts them: `=` alone, or a lower bound and/or an upper bound, in order. */
function compileNumeric(argument: unknown, path: string): ValueMatcher {
  if (!Array.isArray(argument)) throw new InvalidEventPatternError('numeric must be an array', path);
  const terms: { op: string; bound: number }[] = [];
  for (let i = 0; i < argument.length; i += 2) {
    const op = argument[i];
    const bound = argument[i + 1];
    if (typeof op !== 'string')
      throw new InvalidEventPatternError(`invalid member in numeric match: ${op}`, path);
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw new InvalidEventPatternError(`value of ${op} must be numeric`, path);
    }
    terms.push({ op, bound });
  }
  const [first, second, ...rest] = terms;
  if (first === undefined) throw new InvalidEventPatternError('numeric needs an operator and a value', path);
  if (rest.length > 0) throw new InvalidEventPatternError('too many terms in numeric expression', path);
  if (first.op === '=') {
    if (second) throw new InvalidEventPatternError('"=" cannot be combined with another operator', path);
    return (leaf) => typeof leaf === 'number' && leaf === first.bound;
  }
  if (!LOWER.has(first.op) && !UPPER.has(first.op)) {
    throw new InvalidEventPatternError(`unrecognized numeric operator "${first.op}"`, path);
  }
  if (second) {
    if (!LOWER.has(first.op) || !UPPER.has(second.op)) {
      throw new InvalidEventPatternError(
        'a numeric range is a lower bound (> or >=) then an upper bound',
        path,
      );
    }
    if (first.bound >= second.bound) {
      throw new InvalidEventPatternError('the lower bound must be less than the upper bound', path);
    }
  }
  const checks = terms.map(({ op, bound }) => comparator(op, bound));
  return (leaf) => typeof leaf === 'number' && checks.every((check) => check(leaf));
}

function comparator(op: string, bound: number): (n: number) => boolean {
  switch (op) {
    case '>':
      return (n) => n > bound;
    case '>=':
      return (n) => n >= bound;
    case '<':
      return (n) => n < bound;
    default:
      return (n) => n <= bound;
  }
}

function compileCidr(argument: unknown, path: string): ValueMatcher {
  const text = requireString(argument, path);
  const [address = '', bitsText, ...extra] = text.split('/');
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
  if (family === undefined || extra.length > 0) {
    throw new InvalidEventPatternError(`"${text}" is not a CIDR block`, path);
  }
  const width = family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? width : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : Number.NaN;
  if (!(bits <= width)) throw new InvalidEventPatternError(`"${text}" has an invalid prefix length`, path);
  const shift = BigInt(width - bits);
  const network = ipToBigInt(address, family) >> shift;
  return (leaf) => {
    if (typeof leaf !== 'string') return false;
    const leafFamily = isIPv4(leaf) ? 4 : isIPv6(leaf) ? 6 : undefined;
    return leafFamily === family && ipToBigInt(leaf, family) >> shift === network;
  };
}

function ipToBigInt(address: string, family: 4 | 6): bigint {
  if (family === 4) return address.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
  let text = address;
  // An IPv6 address may end in dotted IPv4 notation (::ffff:10.0.0.1); rewrite it as two hextets.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const v4 = ipToBigInt(dotted[1], 4);
    text = `${text.slice(0, dotted.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  const hextets = [...headParts, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailParts];
  return hextets.reduce((acc, hextet) => (acc << 16n) | BigInt(Number.parseInt(hextet, 16)), 0n);
}

/**
 * `*` matches any run of characters; `\*` is a literal star and `\\` a literal backslash. Consecutive
 * wildcards and other escapes are refused, as EventBridge does.
 */
function wildcardRegex(pattern: string, path: string): RegExp {
  let source = '';
  let previousWasWildcard = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern.charAt(i);
    if (char === '\\') {
      const next = pattern.charAt(i + 1);
      if (next !== '*' && next !== '\\') {
        throw new InvalidEventPatternError('a backslash may only escape * or \\ in a wildcard', path);
      }
      source += escapeRegex(next);
      i++;
      previousWasWildcard = false;
    } else if (char === '*') {
      if (previousWasWildcard) {
        throw new InvalidEventPatternError('consecutive wildcard characters are not allowed', path);
      }
      source += '.*';
      previousWasWildcard = true;
    } else {
      source += escapeRegex(char);
      previousWasWildcard = false;
    }
  }
  return new RegExp(`^${source}$`, 'su');
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new InvalidEventPatternError('must be a string', path);
  return value;
}

function stringOrStrings(value: unknown, path: string): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return value;
  throw new InvalidEventPatternError('must be a string or a non-empty list of strings', path);
}

/** Case folding both ways so that e.g. "ß" and "SS" or "ǅ" variants compare the way a human expects. */
const fold = (text: string): string => text.toUpperCase().toLowerCase();

// ---------------------------------------------------------------------------------------------------------
// Matching

function matchObject(pattern: CompiledObject, event: Record<string, unknown> | undefined): boolean {
  for (const field of pattern.fields) {
    const value = event && Object.hasOwn(event, field.key) ? event[field.key] : undefined;
    if (!field.match(value)) return false;
  }
  return pattern.ors.every((branches) => branches.some((branch) => matchObject(branch, event)));
}

/**
 * A nested pattern against whatever the event holds there. A leaf or an absent field behaves like an empty
 * object (only `exists: false` can match inside it); an array of objects needs one element to match fully.
 */
function matchNested(pattern: CompiledObject, value: unknown): boolean {
  if (isPlainObject(value)) return matchObject(pattern, value);
  if (Array.isArray(value)) {
    const objects = flatten(value).filter(isPlainObject);
    if (objects.length > 0) return objects.some((element) => matchObject(pattern, element));
  }
  return matchObject(pattern, undefined);
}

function leafValues(value: unknown): Leaf[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return flatten(value).filter(isLeaf);
  return isLeaf(value) ? [value] : [];
}

function flatten(values: readonly unknown[]): unknown[] {
  return values.flatMap((v) => (Array.isArray(v) ? flatten(v) : [v]));
}

function isLeaf(value: unknown): value is Leaf {
  return (
    value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
