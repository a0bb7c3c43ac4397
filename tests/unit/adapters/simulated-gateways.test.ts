import { describe, expect, it } from 'vitest';
import { SimulatedCarrierGateway } from '../../../shared/adapters/simulated/carrier-gateway.js';
import { SimulatedPaymentGateway } from '../../../shared/adapters/simulated/payment-gateway.js';
import { TransientError } from '../../../shared/domain/errors.js';

const payments = new SimulatedPaymentGateway();
const carriers = new SimulatedCarrierGateway();

const authorize = (idempotencyKey: string, customerEmail = 'ada@example.com') =>
  payments.authorize({ idempotencyKey, amount: 6859, currency: 'USD', customerEmail });

const label = (idempotencyKey: string, carrier = 'SIMPARCEL') =>
  carriers.createLabel({
    idempotencyKey,
    carrier,
    service: 'Standard',
    fromPostalCode: '10001',
    toPostalCode: '98101',
    toCountry: 'US',
    weightGrams: 1500,
  });

describe('Given the simulated payment gateway', () => {
  describe('When the same authorization is sent twice with one idempotency key', () => {
    it('returns the same approved authorization id', async () => {
      const first = await authorize('auth:o-1');
      const second = await new SimulatedPaymentGateway().authorize({
        idempotencyKey: 'auth:o-1',
        amount: 6859,
        currency: 'USD',
        customerEmail: 'ada@example.com',
      });
      expect(first).toEqual(second);
      expect(first).toEqual({
        approved: true,
        authorizationId: expect.stringMatching(/^auth_[0-9a-f]{20}$/),
      });
    });
  });

  describe('When two authorizations carry different keys', () => {
    it('returns different ids', async () => {
      const first = await authorize('auth:o-1');
      const second = await authorize('auth:o-2');
      expect(first.approved && second.approved).toBe(true);
      if (!first.approved || !second.approved) return;
      expect(first.authorizationId).not.toBe(second.authorizationId);
    });
  });

  describe('When capture, void and refund are repeated', () => {
    it('returns the same id per key, with a prefix per operation', async () => {
      const capture = (key: string) =>
        payments.capture({ idempotencyKey: key, authorizationId: 'auth_x', amount: 6859, currency: 'USD' });
      const refund = (key: string) =>
        payments.refund({ idempotencyKey: key, captureId: 'cap_x', amount: 6859, currency: 'USD' });
      const voided = (key: string) => payments.void({ idempotencyKey: key, authorizationId: 'auth_x' });

      expect(await capture('k-1')).toEqual(await capture('k-1'));
      expect((await capture('k-1')).captureId).not.toBe((await capture('k-2')).captureId);
      expect((await capture('k-1')).captureId).toMatch(/^cap_[0-9a-f]{20}$/);
      expect(await refund('k-1')).toEqual(await refund('k-1'));
      expect((await refund('k-1')).refundId).toMatch(/^ref_[0-9a-f]{20}$/);
      expect((await refund('k-1')).refundId).not.toBe((await refund('k-2')).refundId);
      expect(await voided('k-1')).toEqual(await voided('k-1'));
      expect((await voided('k-1')).voidId).toMatch(/^void_[0-9a-f]{20}$/);
      expect((await voided('k-1')).voidId).not.toBe((await voided('k-2')).voidId);
    });
  });

  describe('When the customer email asks for a decline', () => {
    it('declines without throwing', async () => {
      expect(await authorize('auth:o-3', 'ada+decline@example.com')).toEqual({
        approved: false,
        reason: 'card declined (simulated)',
      });
    });
  });

  describe('When the customer email asks for a timeout', () => {
    it('throws a TransientError so the workflow retries', async () => {
      await expect(authorize('auth:o-4', 'ada+timeout@example.com')).rejects.toBeInstanceOf(TransientError);
    });
  });
});

describe('Given the simulated carrier gateway', () => {
  describe('When the same label is bought twice with one idempotency key', () => {
    it('returns the same tracking number', async () => {
      const first = await label('label:o-1');
      expect(
        await new SimulatedCarrierGateway().createLabel({
          idempotencyKey: 'label:o-1',
          carrier: 'SIMPARCEL',
          service: 'Express',
          fromPostalCode: '1',
          toPostalCode: '2',
          toCountry: 'US',
          weightGrams: 1,
        }),
      ).toEqual(first);
    });

    it('prefixes 18 digits with the first three letters of the carrier', async () => {
      expect((await label('label:o-1')).trackingNumber).toMatch(/^SIM\d{18}$/);
      expect((await label('label:o-1', 'UPS')).trackingNumber).toMatch(/^UPS\d{18}$/);
    });
  });

  describe('When two labels carry different keys', () => {
    it('returns different tracking numbers', async () => {
      expect((await label('label:o-1')).trackingNumber).not.toBe((await label('label:o-2')).trackingNumber);
    });
  });
});
