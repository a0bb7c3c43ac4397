import { describe, expect, it } from 'vitest';
import { checkAppeasementLimits, roleOf } from '../../../shared/app/appeasements.js';
import { ForbiddenError } from '../../../shared/domain/errors.js';

const ann = { username: 'ann', roles: ['agent' as const] };
const sue = { username: 'sue', roles: ['agent' as const, 'supervisor' as const] };
/** 100.00 USD captured, nothing given before. */
const usd = { currency: 'USD', captured: 10_000, grand: 10_000, earlier: 0 };

function refusal(run: () => unknown): ForbiddenError {
  try {
    run();
  } catch (error) {
    if (error instanceof ForbiddenError) return error;
    throw error;
  }
  throw new Error('expected a 403');
}

describe('Given the appeasement limits of shared/config/appeasements.ts', () => {
  it('applies the most generous role an agent has', () => {
    expect(roleOf(ann)).toBe('agent');
    expect(roleOf(sue)).toBe('supervisor');
  });

  describe('When an agent refunds', () => {
    it('allows up to 20 % of the captured amount', () => {
      expect(checkAppeasementLimits(ann, { kind: 'refund', amount: 2000 }, usd)).toEqual({
        value: 2000,
        cap: 4000,
      });
      const error = refusal(() => checkAppeasementLimits(ann, { kind: 'refund', amount: 2001 }, usd));
      expect(error.statusCode).toBe(403);
      expect(error.message).toBe(
        'a goodwill refund of 20.01 USD is over the agent limit refund.percentOfCaptured: 20.00 USD allowed by it for ann (role agent); a supervisor can issue it',
      );
      expect(error.details).toEqual({
        limit: 'refund.percentOfCaptured',
        role: 'agent',
        max: 2000,
        requested: 2001,
        supervisorCan: true,
      });
    });

    it('caps the refund at 25.00 in the currency’s major unit, whatever its exponent', () => {
      const big = { ...usd, captured: 1_000_000, grand: 1_000_000 };
      expect(
        refusal(() => checkAppeasementLimits(ann, { kind: 'refund', amount: 2501 }, big)).details,
      ).toMatchObject({ limit: 'refund.max', max: 2500 });
      const yen = { currency: 'JPY', captured: 1_000_000, grand: 1_000_000, earlier: 0 };
      expect(
        refusal(() => checkAppeasementLimits(ann, { kind: 'refund', amount: 26 }, yen)).details,
      ).toMatchObject({
        limit: 'refund.max',
        max: 25,
      });
      const dinar = { currency: 'KWD', captured: 1_000_000, grand: 1_000_000, earlier: 0 };
      // The order's 40.00 cap is in the same unit: 40.000 KWD, three decimals.
      expect(checkAppeasementLimits(ann, { kind: 'refund', amount: 25_000 }, dinar)).toEqual({
        value: 25_000,
        cap: 40_000,
      });
    });

    it('lets a supervisor refund it all, and says when no role may', () => {
      expect(checkAppeasementLimits(sue, { kind: 'refund', amount: 10_000 }, usd)).toEqual({
        value: 10_000,
        cap: 100_000,
      });
      const error = refusal(() => checkAppeasementLimits(ann, { kind: 'refund', amount: 10_001 }, usd));
      expect(error.message).toMatch(/no role may issue it$/);
      expect(error.details).toMatchObject({ supervisorCan: false });
    });
  });

  describe('When an agent gives a coupon', () => {
    it('allows up to 15 % off, or a fixed 25.00', () => {
      expect(checkAppeasementLimits(ann, { kind: 'coupon', percentOff: 15 }, usd)).toEqual({
        value: 1500,
        cap: 4000,
      });
      expect(
        refusal(() => checkAppeasementLimits(ann, { kind: 'coupon', percentOff: 16 }, usd)).message,
      ).toMatch(/^a 16 % coupon is over the agent limit coupon\.percentOff: 15 % allowed/);
      expect(checkAppeasementLimits(ann, { kind: 'coupon', amount: 2500 }, usd)).toEqual({
        value: 2500,
        cap: 4000,
      });
      expect(
        refusal(() => checkAppeasementLimits(ann, { kind: 'coupon', amount: 2501 }, usd)).details,
      ).toMatchObject({ limit: 'coupon.max', role: 'agent' });
    });

    it('needs no captured payment', () => {
      const unpaid = { ...usd, captured: 0 };
      expect(checkAppeasementLimits(ann, { kind: 'coupon', amount: 1000 }, unpaid)).toEqual({
        value: 1000,
        cap: 4000,
      });
    });
  });

  describe('When the order was appeased before', () => {
    it('counts earlier appeasements against the 40.00 per order, by anyone', () => {
      const earlier = { ...usd, earlier: 3500 };
      expect(checkAppeasementLimits(ann, { kind: 'coupon', amount: 500 }, earlier)).toEqual({
        value: 500,
        cap: 4000,
      });
      const error = refusal(() => checkAppeasementLimits(ann, { kind: 'refund', amount: 501 }, earlier));
      expect(error.details).toMatchObject({
        limit: 'orderMax',
        max: 500,
        requested: 501,
        supervisorCan: true,
      });
      expect(error.message).toMatch(/5\.00 USD left for this order under it/);
      // A percentage coupon counts at its percent of this order's total.
      expect(
        refusal(() => checkAppeasementLimits(ann, { kind: 'coupon', percentOff: 6 }, earlier)).details,
      ).toMatchObject({ limit: 'orderMax', requested: 600 });
    });
  });
});
