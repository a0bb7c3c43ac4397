import { describe, expect, it } from 'vitest';
import { UnprocessableError, ValidationError } from '../../../shared/domain/errors.js';
import {
  currencyExponent,
  formatMinorUnits,
  isKnownCurrency,
  toMinorUnits,
} from '../../../shared/domain/money.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

describe('Given the ISO 4217 exponents', () => {
  describe('When a currency is looked up', () => {
    it('knows USD has 2 decimals, JPY 0 and KWD 3', () => {
      expect([currencyExponent('USD'), currencyExponent('JPY'), currencyExponent('KWD')]).toEqual([2, 0, 3]);
      expect(isKnownCurrency('EUR')).toBe(true);
      expect(isKnownCurrency('XYZ')).toBe(false);
    });

    it('refuses an unknown currency with a 422 naming it', () => {
      const error = thrown(() => currencyExponent('XYZ'));
      expect(error).toBeInstanceOf(UnprocessableError);
      expect((error as UnprocessableError).statusCode).toBe(422);
      expect((error as UnprocessableError).details).toEqual({ currency: 'XYZ' });
    });

    it('does not accept a lower-case code', () => {
      expect(isKnownCurrency('usd')).toBe(false);
    });
  });
});

describe('Given a decimal amount as a channel sends it', () => {
  describe('When it is a USD string', () => {
    it.each([
      ['19.99', 1999],
      ['12.30', 1230],
      ['12.3', 1230],
      ['1200', 120000],
      ['0.01', 1],
      ['0', 0],
      ['  7.05 ', 705],
      ['10.500', 1050],
      ['10.000000', 1000],
    ])('converts %j to %i cents', (amount, expected) => {
      expect(toMinorUnits(amount, 'USD')).toBe(expected);
    });
  });

  describe('When it is a USD number', () => {
    it('converts 19.99 exactly, where 19.99 × 100 in floating point is 1998.9999999999998', () => {
      expect(19.99 * 100).not.toBe(1999);
      expect(toMinorUnits(19.99, 'USD')).toBe(1999);
    });

    it.each([
      [12.3, 1230],
      [1.1, 110],
      [0.07, 7],
      [1200, 120000],
      [123456789.12, 12345678912],
    ])('converts %d to %i cents', (amount, expected) => {
      expect(toMinorUnits(amount, 'USD')).toBe(expected);
    });

    it('refuses 0.1 + 0.2 (0.30000000000000004) instead of rounding it', () => {
      const error = thrown(() => toMinorUnits(0.1 + 0.2, 'USD'));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fields).toEqual([
        { field: 'amount', message: 'USD has 2 decimal places' },
      ]);
    });

    it('refuses a number written in exponent notation that has too many decimals', () => {
      expect(() => toMinorUnits(1e-7, 'USD')).toThrow(ValidationError);
    });

    it('refuses NaN and Infinity as not decimal', () => {
      for (const value of [Number.NaN, Number.POSITIVE_INFINITY]) {
        const error = thrown(() => toMinorUnits(value, 'USD', 'total'));
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).fields[0]?.field).toBe('total');
      }
    });
  });

  describe('When the currency is JPY (no decimals)', () => {
    it('takes yen as they are', () => {
      expect(toMinorUnits('1500', 'JPY')).toBe(1500);
      expect(toMinorUnits(1500, 'JPY')).toBe(1500);
      expect(toMinorUnits('1500.00', 'JPY')).toBe(1500);
    });

    it('refuses a fraction of a yen', () => {
      const error = thrown(() => toMinorUnits('1500.5', 'JPY', 'price'));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toBe('price has more decimals than JPY allows (0)');
      expect((error as ValidationError).fields).toEqual([
        { field: 'price', message: 'JPY has 0 decimal places' },
      ]);
    });
  });

  describe('When the currency is KWD (three decimals)', () => {
    it('keeps all three decimals', () => {
      expect(toMinorUnits('1.005', 'KWD')).toBe(1005);
      expect(toMinorUnits('2.5', 'KWD')).toBe(2500);
      expect(toMinorUnits(0.125, 'KWD')).toBe(125);
    });

    it('refuses a fourth significant decimal', () => {
      expect(() => toMinorUnits('1.0005', 'KWD')).toThrow(ValidationError);
    });

    it('refuses 1.005 USD, which has three decimals', () => {
      expect(() => toMinorUnits('1.005', 'USD')).toThrow(ValidationError);
    });
  });

  describe('When the amount is negative', () => {
    it('keeps the sign', () => {
      expect(toMinorUnits('-5.25', 'USD')).toBe(-525);
      expect(toMinorUnits(-5.25, 'USD')).toBe(-525);
      expect(toMinorUnits('-1.005', 'KWD')).toBe(-1005);
    });
  });

  describe('When the text is not a plain decimal', () => {
    it.each(['', '1,000.00', '$5', '+5', '.5', '5.', '1e3', 'abc', '1.2.3'])('refuses %j', (amount) => {
      const error = thrown(() => toMinorUnits(amount, 'USD', 'lines[0].price'));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fields[0]?.field).toBe('lines[0].price');
      expect((error as ValidationError).message).toBe('lines[0].price must be a decimal amount');
    });
  });

  describe('When the currency is unknown', () => {
    it('refuses with UnprocessableError before looking at the amount', () => {
      expect(() => toMinorUnits('10.00', 'XYZ')).toThrow(UnprocessableError);
      expect(() => toMinorUnits('not a number', 'XYZ')).toThrow(UnprocessableError);
    });
  });

  describe('When the amount is huge', () => {
    it('accepts the largest safe integer of minor units', () => {
      expect(toMinorUnits('90071992547409.91', 'USD')).toBe(Number.MAX_SAFE_INTEGER);
      expect(toMinorUnits('9007199254740991', 'JPY')).toBe(Number.MAX_SAFE_INTEGER);
    });

    it('refuses one minor unit more as too large', () => {
      const error = thrown(() => toMinorUnits('90071992547409.92', 'USD'));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fields).toEqual([
        { field: 'amount', message: 'amount out of range' },
      ]);
    });

    it('refuses a huge negative amount too', () => {
      expect(() => toMinorUnits('-90071992547409.92', 'USD')).toThrow('amount is too large');
    });

    it('refuses 1e20 as too large', () => {
      expect(() => toMinorUnits(1e20, 'USD')).toThrow('amount is too large');
    });
  });
});

describe('Given an amount in minor units', () => {
  describe('When it is formatted', () => {
    it.each([
      [1999, 'USD', '19.99'],
      [1230, 'USD', '12.30'],
      [5, 'USD', '0.05'],
      [0, 'USD', '0.00'],
      [-5, 'USD', '-0.05'],
      [-1999, 'USD', '-19.99'],
      [1500, 'JPY', '1500'],
      [0, 'JPY', '0'],
      [1005, 'KWD', '1.005'],
      [5, 'KWD', '0.005'],
      [-5, 'KWD', '-0.005'],
      [Number.MAX_SAFE_INTEGER, 'USD', '90071992547409.91'],
    ])('formats %i %s as %j', (minor, currency, expected) => {
      expect(formatMinorUnits(minor, currency)).toBe(expected);
    });

    it('refuses an unknown currency', () => {
      expect(() => formatMinorUnits(100, 'ABC')).toThrow(UnprocessableError);
    });
  });

  describe('When a formatted amount is parsed back', () => {
    it.each([
      ['19.99', 'USD'],
      ['0.05', 'USD'],
      ['-12.30', 'USD'],
      ['90071992547409.91', 'USD'],
      ['1500', 'JPY'],
      ['1.005', 'KWD'],
      ['0.000', 'KWD'],
    ])('round-trips %j %s unchanged', (text, currency) => {
      expect(formatMinorUnits(toMinorUnits(text, currency), currency)).toBe(text);
    });

    it('round-trips minor units through format and parse for every exponent', () => {
      for (const currency of ['USD', 'JPY', 'KWD']) {
        for (const minor of [0, 1, 9, 10, 99, 100, 101, 12345, -7, 987654321]) {
          expect(toMinorUnits(formatMinorUnits(minor, currency), currency)).toBe(minor);
        }
      }
    });
  });
});

describe('Given a number too small to be a price', () => {
  it('refuses it instead of rounding it to zero', () => {
    expect(() => toMinorUnits(1e-21, 'USD')).toThrow(ValidationError);
    expect(() => toMinorUnits(5e-324, 'USD')).toThrow(ValidationError);
  });
});

describe('Given a fractional number of minor units', () => {
  it('refuses to format it', () => {
    expect(() => formatMinorUnits(1.5, 'USD')).toThrow(UnprocessableError);
  });
});
