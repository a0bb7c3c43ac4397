import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UnprocessableError, ValidationError } from '../../../shared/domain/errors.js';
import { parseWith, renameFields, toValidationError } from '../../../shared/domain/validation.js';
import { mapDirectOrder, mapStandardOrder } from '../../../shared/intake/standard.js';
import { directOrder, FIXTURE_TOTALS, standardOrder } from '../../support/fixtures.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

function fieldsOf(error: unknown): string[] {
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).fields.map((issue) => issue.field);
}

describe('Given a Standard Webhooks order.created payload', () => {
  describe('When it is mapped', () => {
    it('keeps the canonical fields as sent and sets the channel', () => {
      const payload = standardOrder();
      expect(mapStandardOrder(payload)).toEqual({
        channel: 'standard',
        fulfillment: { type: 'ship' },
        ...payload.data,
      });
      expect(mapStandardOrder(payload)).toMatchObject({ total: FIXTURE_TOTALS.total, discount: 500 });
    });

    it('fills the amounts a storefront may leave out with zero', () => {
      const payload = standardOrder();
      const { discount: _discount, ...rest } = payload.data;
      const data = {
        ...rest,
        lines: payload.data.lines.map(({ discount: _line, ...line }) => line),
        total: 7359,
      };
      const order = mapStandardOrder({ ...payload, data });
      expect(order.discount).toBe(0);
      expect(order.lines.map((line) => line.discount)).toEqual([0, 0]);
    });

    it('takes JPY and KWD amounts as the integers they already are', () => {
      const yen = standardOrder();
      yen.data.currency = 'JPY';
      expect(mapStandardOrder(yen).total).toBe(6859);
      const dinar = standardOrder();
      Object.assign(dinar.data, { currency: 'KWD', shipping: 2000, total: 8260 });
      expect(mapStandardOrder(dinar)).toMatchObject({ currency: 'KWD', shipping: 2000, total: 8260 });
    });
  });

  describe('When an amount is not integer minor units', () => {
    it('refuses a decimal unit price, naming data.lines[0].unitPrice', () => {
      const payload = standardOrder();
      Object.assign(payload.data.lines[0] ?? {}, { unitPrice: 25.0001 });
      const error = thrown(() => mapStandardOrder(payload));
      expect(fieldsOf(error)).toEqual(['data.lines[0].unitPrice']);
      expect((error as Error).message).toMatch(/^data\.lines\[0\]\.unitPrice: /);
    });

    it('refuses an amount sent as a string', () => {
      const payload = standardOrder();
      Object.assign(payload.data, { total: '68.59' });
      expect(fieldsOf(thrown(() => mapStandardOrder(payload)))).toEqual(['data.total']);
    });
  });

  describe('When the event is not order.created', () => {
    it('refuses it, naming type', () => {
      expect(fieldsOf(thrown(() => mapStandardOrder(standardOrder({ type: 'order.updated' }))))).toEqual([
        'type',
      ]);
    });
  });

  describe('When a line has no SKU', () => {
    it('refuses it, naming data.lines[0].sku', () => {
      const payload = standardOrder();
      Object.assign(payload.data.lines[0] ?? {}, { sku: undefined });
      expect(fieldsOf(thrown(() => mapStandardOrder(payload)))).toEqual(['data.lines[0].sku']);
    });
  });

  describe('When the stated total does not add up', () => {
    it('refuses it as unprocessable, naming total', () => {
      const payload = standardOrder();
      payload.data.total = 6858;
      const error = thrown(() => mapStandardOrder(payload));
      expect(error).toBeInstanceOf(UnprocessableError);
      expect((error as UnprocessableError).details).toMatchObject({ field: 'total', expected: 6859 });
    });
  });
});

describe('Given a POST /orders body', () => {
  describe('When it carries its own externalId', () => {
    it('maps it to a direct order keeping that id', () => {
      const body = directOrder();
      const order = mapDirectOrder(body, 'idem-key-1');
      expect(order).toEqual({ channel: 'direct', fulfillment: { type: 'ship' }, ...body });
    });
  });

  describe('When it has no externalId', () => {
    it('uses the Idempotency-Key so a retry maps to the same order', () => {
      const { externalId: _id, ...body } = directOrder();
      expect(mapDirectOrder(body, 'idem-key-1').externalId).toBe('idem-key-1');
    });

    it('refuses it when there is no Idempotency-Key either', () => {
      const { externalId: _id, ...body } = directOrder();
      const error = thrown(() => mapDirectOrder(body));
      expect(fieldsOf(error)).toEqual(['externalId']);
      expect((error as Error).message).toBe('externalId: required when no Idempotency-Key is sent');
    });

    it('refuses an Idempotency-Key too long to be an external id, naming the header', () => {
      const { externalId: _id, ...body } = directOrder();
      expect(fieldsOf(thrown(() => mapDirectOrder(body, 'k'.repeat(101))))).toEqual(['Idempotency-Key']);
    });
  });

  describe('When a field is invalid', () => {
    it('names it without a prefix', () => {
      const body = directOrder();
      body.shippingAddress.country = 'usa';
      expect(fieldsOf(thrown(() => mapDirectOrder(body)))).toEqual(['shippingAddress.country']);
    });
  });

  describe('When the totals do not add up', () => {
    it('refuses it as unprocessable', () => {
      expect(() => mapDirectOrder(directOrder({ tax: 0 }))).toThrow(UnprocessableError);
    });
  });
});

describe('Given a zod failure', () => {
  const schema = z.object({ a: z.object({ b: z.array(z.object({ c: z.string() })) }), n: z.number() });

  describe('When it is converted to a ValidationError', () => {
    it('lists every field as a.b[0].c and names the first in the message', () => {
      const result = schema.safeParse({ a: { b: [{ c: 1 }] }, n: 'x' });
      if (result.success) throw new Error('expected a failure');
      const error = toValidationError(result.error, 'body');
      expect(error.fields.map((issue) => issue.field)).toEqual(['body.a.b[0].c', 'body.n']);
      expect(error.message).toBe(
        'body.a.b[0].c: Invalid input: expected string, received number (and 1 more)',
      );
      expect(error.statusCode).toBe(400);
    });
  });

  describe('When the fields are renamed for a channel', () => {
    it('reports the channel names and passes unknown keys through', () => {
      const namer = renameFields({ a: ['alpha', { b: ['beta_items', { c: 'gamma' }] }], n: 'nested.number' });
      expect(namer(['a', 'b', 3, 'c'])).toBe('alpha.beta_items[3].gamma');
      expect(namer(['n'])).toBe('nested.number');
      expect(namer(['z', 0])).toBe('z[0]');
    });
  });

  describe('When parseWith succeeds', () => {
    it('returns the parsed value', () => {
      expect(parseWith(z.object({ n: z.number().default(3) }), {})).toEqual({ n: 3 });
    });
  });
});
