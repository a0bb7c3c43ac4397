import { describe, expect, it } from 'vitest';
import {
  InvalidEventPatternError,
  matchesEventPattern,
  validateEventPattern,
} from '../../../local/event-pattern.js';
import { eventRules } from '../../../shared/config/event-rules.js';

const event = {
  version: '0',
  id: 'e-1',
  'detail-type': 'OrderPlaced',
  source: 'oms.orders',
  account: '000000000000',
  time: '2026-01-01T00:00:00Z',
  region: 'local',
  resources: ['arn:aws:oms:local:000000000000:order/ord_1', 'arn:aws:oms:local:000000000000:channel/web'],
  detail: {
    metadata: { version: 1, correlationId: 'c-1' },
    data: {
      orderId: 'ord_1',
      status: 'PLACED',
      total: 300,
      ratio: 0.25,
      express: true,
      note: null,
      empty: '',
      fileName: 'label.PNG',
      path: '/var/lib/oms/x.json',
      clientIp: '10.0.0.33',
      clientIp6: '2001:db8::42',
      tags: ['vip', 'b2b'],
      lines: [
        { sku: 'A', qty: 1 },
        { sku: 'B', qty: 5 },
      ],
      address: { country: 'DE' },
      emptyList: [],
    },
  },
};

const data = (pattern: Record<string, unknown>) => ({ detail: { data: pattern } });
const matches = (pattern: Record<string, unknown>) => matchesEventPattern(data(pattern), event);

describe('Given the EventBridge event-pattern matcher', () => {
  describe('When a pattern lists exact values', () => {
    it('matches when every key matches one of its values', () => {
      expect(
        matchesEventPattern({ source: ['oms.orders'], 'detail-type': ['X', 'OrderPlaced'] }, event),
      ).toBe(true);
    });

    it('does not match when one key has no matching value', () => {
      expect(matchesEventPattern({ source: ['oms.orders'], 'detail-type': ['OrderShipped'] }, event)).toBe(
        false,
      );
    });

    it('compares strings exactly, without case folding', () => {
      expect(matches({ status: ['placed'] })).toBe(false);
    });

    it('compares numbers numerically, so 3.0e2 matches 300', () => {
      expect(matches({ total: [3.0e2] })).toBe(true);
      expect(matches({ total: [300.5] })).toBe(false);
    });

    it('never treats a string as the number it spells', () => {
      expect(matches({ total: ['300'] })).toBe(false);
    });

    it('matches booleans, null and the empty string each only by themselves', () => {
      expect(matches({ express: [true] })).toBe(true);
      expect(matches({ express: [false] })).toBe(false);
      expect(matches({ note: [null] })).toBe(true);
      expect(matches({ note: [''] })).toBe(false);
      expect(matches({ empty: [''] })).toBe(true);
      expect(matches({ empty: [null] })).toBe(false);
    });

    it('matches an array field when any element is listed', () => {
      expect(matches({ tags: ['b2b'] })).toBe(true);
      expect(matches({ tags: ['retail'] })).toBe(false);
    });

    it('never matches a missing field', () => {
      expect(matches({ missing: ['x'] })).toBe(false);
    });

    it('does not treat an object as a leaf value', () => {
      expect(matches({ address: ['DE'] })).toBe(false);
    });
  });

  describe('When a pattern nests objects', () => {
    it('matches fields at the same depth in the event', () => {
      expect(matches({ address: { country: ['DE'] } })).toBe(true);
      expect(matches({ address: { country: ['FR'] } })).toBe(false);
    });

    it('requires the nested fields of an array of objects to come from the same element', () => {
      expect(matches({ lines: { sku: ['B'], qty: [5] } })).toBe(true);
      expect(matches({ lines: { sku: ['A'], qty: [5] } })).toBe(false);
    });

    it('does not match a nested pattern against a leaf value', () => {
      expect(matches({ status: { code: ['PLACED'] } })).toBe(false);
    });
  });

  describe('When a pattern uses prefix or suffix', () => {
    it('matches strings that start or end with the text', () => {
      expect(matches({ orderId: [{ prefix: 'ord_' }] })).toBe(true);
      expect(matches({ fileName: [{ suffix: '.PNG' }] })).toBe(true);
    });

    it('does not match other strings, other cases or non-strings', () => {
      expect(matches({ orderId: [{ prefix: 'ORD_' }] })).toBe(false);
      expect(matches({ fileName: [{ suffix: '.png' }] })).toBe(false);
      expect(matches({ total: [{ prefix: '3' }] })).toBe(false);
    });

    it('ignores case with the equals-ignore-case form', () => {
      expect(matches({ orderId: [{ prefix: { 'equals-ignore-case': 'ORD_' } }] })).toBe(true);
      expect(matches({ fileName: [{ suffix: { 'equals-ignore-case': '.png' } }] })).toBe(true);
      expect(matches({ fileName: [{ suffix: { 'equals-ignore-case': '.jpg' } }] })).toBe(false);
    });
  });

  describe('When a pattern uses equals-ignore-case', () => {
    it('matches whatever the case', () => {
      expect(matches({ status: [{ 'equals-ignore-case': 'placed' }] })).toBe(true);
    });

    it('does not match a different string', () => {
      expect(matches({ status: [{ 'equals-ignore-case': 'shipped' }] })).toBe(false);
    });
  });

  describe('When a pattern uses wildcard', () => {
    it('lets * stand for any run of characters, including none', () => {
      expect(matches({ path: [{ wildcard: '/var/*/oms/*.json' }] })).toBe(true);
      expect(matches({ orderId: [{ wildcard: 'ord_*1' }] })).toBe(true);
    });

    it('does not match when the fixed parts differ', () => {
      expect(matches({ path: [{ wildcard: '/var/*/oms/*.yaml' }] })).toBe(false);
      expect(matches({ total: [{ wildcard: '*' }] })).toBe(false);
    });

    it('treats an escaped star as a literal star', () => {
      const starred = { detail: { data: { name: 'a*b' } } };
      expect(matchesEventPattern({ detail: { data: { name: [{ wildcard: 'a\\*b' }] } } }, starred)).toBe(
        true,
      );
      expect(matches({ orderId: [{ wildcard: 'ord\\*' }] })).toBe(false);
    });
  });

  describe('When a pattern uses anything-but', () => {
    it('matches values other than the excluded one', () => {
      expect(matches({ status: [{ 'anything-but': 'CANCELLED' }] })).toBe(true);
      expect(matches({ total: [{ 'anything-but': [100, 200] }] })).toBe(true);
    });

    it('does not match an excluded value', () => {
      expect(matches({ status: [{ 'anything-but': ['PLACED', 'CANCELLED'] }] })).toBe(false);
      expect(matches({ total: [{ 'anything-but': 3e2 }] })).toBe(false);
    });

    it('does not match a missing field', () => {
      expect(matches({ missing: [{ 'anything-but': 'x' }] })).toBe(false);
    });

    it('excludes by prefix, suffix, ignoring case and by wildcard', () => {
      expect(matches({ orderId: [{ 'anything-but': { prefix: 'ord_' } }] })).toBe(false);
      expect(matches({ orderId: [{ 'anything-but': { prefix: 'po_' } }] })).toBe(true);
      expect(matches({ fileName: [{ 'anything-but': { suffix: '.PNG' } }] })).toBe(false);
      expect(matches({ fileName: [{ 'anything-but': { suffix: '.pdf' } }] })).toBe(true);
      expect(matches({ status: [{ 'anything-but': { 'equals-ignore-case': ['placed'] } }] })).toBe(false);
      expect(matches({ status: [{ 'anything-but': { 'equals-ignore-case': 'shipped' } }] })).toBe(true);
      expect(matches({ path: [{ 'anything-but': { wildcard: '*/lib/*' } }] })).toBe(false);
      expect(matches({ path: [{ 'anything-but': { wildcard: '*/tmp/*' } }] })).toBe(true);
    });

    it('matches an array when at least one element is not excluded', () => {
      expect(matches({ tags: [{ 'anything-but': 'vip' }] })).toBe(true);
      expect(matches({ tags: [{ 'anything-but': ['vip', 'b2b'] }] })).toBe(false);
    });
  });

  describe('When a pattern uses numeric', () => {
    it('matches numbers inside the range', () => {
      expect(matches({ total: [{ numeric: ['>', 0, '<=', 300] }] })).toBe(true);
      expect(matches({ ratio: [{ numeric: ['>=', 0.25] }] })).toBe(true);
      expect(matches({ total: [{ numeric: ['=', 3e2] }] })).toBe(true);
    });

    it('does not match numbers outside the range', () => {
      expect(matches({ total: [{ numeric: ['>', 0, '<', 300] }] })).toBe(false);
      expect(matches({ ratio: [{ numeric: ['>', 0.25] }] })).toBe(false);
      expect(matches({ total: [{ numeric: ['=', 301] }] })).toBe(false);
    });

    it('does not match strings, even numeric-looking ones', () => {
      const stringly = { detail: { data: { total: '300' } } };
      expect(matchesEventPattern({ detail: { data: { total: [{ numeric: ['>', 0] }] } } }, stringly)).toBe(
        false,
      );
    });
  });

  describe('When a pattern uses exists', () => {
    it('exists: true matches a present leaf and not a missing field', () => {
      expect(matches({ note: [{ exists: true }] })).toBe(true);
      expect(matches({ missing: [{ exists: true }] })).toBe(false);
    });

    it('exists: false matches a missing field and not a present one', () => {
      expect(matches({ missing: [{ exists: false }] })).toBe(true);
      expect(matches({ status: [{ exists: false }] })).toBe(false);
    });

    it('only looks at leaves, so an object or an empty array counts as absent', () => {
      expect(matches({ address: [{ exists: true }] })).toBe(false);
      expect(matches({ address: [{ exists: false }] })).toBe(true);
      expect(matches({ emptyList: [{ exists: false }] })).toBe(true);
    });

    it('can be combined with values in the same list (OR)', () => {
      expect(matches({ missing: ['x', { exists: false }] })).toBe(true);
    });
  });

  describe('When a pattern uses cidr', () => {
    it('matches IPv4 and IPv6 addresses inside the block', () => {
      expect(matches({ clientIp: [{ cidr: '10.0.0.0/24' }] })).toBe(true);
      expect(matches({ clientIp6: [{ cidr: '2001:db8::/32' }] })).toBe(true);
    });

    it('does not match addresses outside the block or values that are not addresses', () => {
      expect(matches({ clientIp: [{ cidr: '10.0.1.0/24' }] })).toBe(false);
      expect(matches({ clientIp6: [{ cidr: '2001:db9::/32' }] })).toBe(false);
      expect(matches({ orderId: [{ cidr: '0.0.0.0/0' }] })).toBe(false);
    });
  });

  describe('When a pattern uses $or', () => {
    it('matches when any branch matches', () => {
      expect(matches({ $or: [{ status: ['SHIPPED'] }, { total: [{ numeric: ['>', 100] }] }] })).toBe(true);
    });

    it('does not match when no branch matches', () => {
      expect(matches({ $or: [{ status: ['SHIPPED'] }, { total: [{ numeric: ['>', 1000] }] }] })).toBe(false);
    });

    it('ANDs the $or with sibling keys and works at the top level', () => {
      const pattern = {
        source: ['oms.billing'],
        $or: [{ 'detail-type': ['OrderPlaced'] }, { region: ['local'] }],
      };
      expect(matchesEventPattern(pattern, event)).toBe(false);
      expect(matchesEventPattern({ ...pattern, source: ['oms.orders'] }, event)).toBe(true);
    });
  });

  describe('When the shared rules are evaluated', () => {
    it('routes an order event to marketing but not to accounting', () => {
      const [marketing, accounting] = eventRules;
      expect(matchesEventPattern(marketing?.pattern, event)).toBe(true);
      expect(matchesEventPattern(accounting?.pattern, event)).toBe(false);
    });
  });

  describe('When a pattern is invalid', () => {
    const invalid: [string, unknown][] = [
      ['not an object', ['oms.orders']],
      ['an empty object', {}],
      ['a leaf that is a bare string', { source: 'oms.orders' }],
      ['an empty list', { source: [] }],
      ['a nested list', { source: [['a']] }],
      ['an unknown operator', { source: [{ regex: '.*' }] }],
      ['two operators in one object', { source: [{ prefix: 'a', suffix: 'b' }] }],
      ['a non-string prefix', { source: [{ prefix: 1 }] }],
      ['a numeric range with the wrong order', { n: [{ numeric: ['<', 5, '>', 1] }] }],
      ['an empty numeric range', { n: [{ numeric: ['>', 5, '<', 5] }] }],
      ['a non-numeric bound', { n: [{ numeric: ['>', '5'] }] }],
      ['an unknown numeric operator', { n: [{ numeric: ['!=', 5] }] }],
      ['a non-boolean exists', { n: [{ exists: 'yes' }] }],
      ['a mixed anything-but list', { n: [{ 'anything-but': ['a', 1] }] }],
      ['an anything-but of null', { n: [{ 'anything-but': null }] }],
      ['an empty anything-but prefix', { n: [{ 'anything-but': { prefix: '' } }] }],
      ['consecutive wildcards', { n: [{ wildcard: 'a**b' }] }],
      ['an unsupported wildcard escape', { n: [{ wildcard: 'a\\b' }] }],
      ['a malformed cidr', { n: [{ cidr: '10.0.0.0/33' }] }],
      ['an $or with one branch', { $or: [{ a: ['x'] }] }],
      ['an $or that is not a list', { $or: { a: ['x'] } }],
      ['an operator name used as a field inside $or', { $or: [{ prefix: ['x'] }, { a: ['y'] }] }],
    ];

    it.each(invalid)('rejects %s', (_label, pattern) => {
      expect(() => validateEventPattern(pattern)).toThrow(InvalidEventPatternError);
    });

    it('accepts every rule the stack deploys', () => {
      for (const rule of eventRules) expect(() => validateEventPattern(rule.pattern)).not.toThrow();
    });
  });
});
