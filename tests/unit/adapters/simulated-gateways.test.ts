import { describe, expect, it } from 'vitest';
import { SimulatedCarrierGateway } from '../../../shared/adapters/simulated/carrier-gateway.js';
import { SimulatedPaymentGateway } from '../../../shared/adapters/simulated/payment-gateway.js';
import { ConflictError, PaymentDeclinedError, PaymentTimeoutError } from '../../../shared/domain/errors.js';

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
    it('returns the same approved authorization id, even from another instance', async () => {
      const first = await authorize('auth:o-1');
      expect(await authorize('auth:o-1')).toEqual(first);
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

  describe('When one key is reused for another amount', () => {
    it('refuses the second request with a ConflictError', async () => {
      const gateway = new SimulatedPaymentGateway();
      await gateway.authorize({ idempotencyKey: 'k', amount: 100, currency: 'USD', customerEmail: 'a@b.co' });
      await expect(
        gateway.authorize({ idempotencyKey: 'k', amount: 101, currency: 'USD', customerEmail: 'a@b.co' }),
      ).rejects.toBeInstanceOf(ConflictError);
    });
  });

  describe('When an authorization is captured in parts', () => {
    it('captures up to the authorized amount, once per key, and closes on the final capture', async () => {
      const gateway = new SimulatedPaymentGateway();
      const auth = await approved(gateway, 'auth:parts', 1000);
      const capture = (key: string, amount: number, final?: boolean) =>
        gateway.capture({
          idempotencyKey: key,
          authorizationId: auth,
          amount,
          currency: 'USD',
          ...(final ? { final } : {}),
        });
      const first = await capture('capture:o:s1', 600);
      // The retry of a capture whose answer was lost: same id, no second movement of money.
      expect(await capture('capture:o:s1', 600)).toEqual(first);
      expect(gateway.inspect(auth)).toMatchObject({ captured: 600, status: 'authorized' });
      await expect(capture('capture:o:s1', 500)).rejects.toBeInstanceOf(ConflictError);
      await expect(capture('capture:o:s2', 401)).rejects.toBeInstanceOf(ConflictError);
      const second = await capture('capture:o:s2', 300, true);
      expect(second.captureId).not.toBe(first.captureId);
      expect(gateway.inspect(auth)).toMatchObject({ captured: 900, status: 'closed' });
      await expect(capture('capture:o:s3', 100)).rejects.toBeInstanceOf(ConflictError);
    });
  });

  describe('When a capture is refunded', () => {
    it('refunds up to what the capture took, in total, once per key', async () => {
      const gateway = new SimulatedPaymentGateway();
      const auth = await approved(gateway, 'auth:refunds', 1000);
      const { captureId } = await gateway.capture({
        idempotencyKey: 'cap:r',
        authorizationId: auth,
        amount: 1000,
        currency: 'USD',
      });
      const refund = (key: string, amount: number) =>
        gateway.refund({ idempotencyKey: key, captureId, amount, currency: 'USD' });
      const first = await refund('ref:1', 700);
      expect(await refund('ref:1', 700)).toEqual(first);
      expect(first.refundId).toMatch(/^ref_[0-9a-f]{20}$/);
      await expect(refund('ref:2', 301)).rejects.toBeInstanceOf(ConflictError);
      expect((await refund('ref:2', 300)).refundId).not.toBe(first.refundId);
      const listed = await gateway.listTransactions({ from: '2000-01-01', to: '2999-01-01' });
      expect(listed.map((row) => [row.type, row.amount])).toEqual([
        ['capture', 1000],
        ['refund', 700],
        ['refund', 300],
      ]);
    });
  });

  describe('When an authorization is voided', () => {
    it('voids before any capture, idempotently, and refuses a void after a capture', async () => {
      const gateway = new SimulatedPaymentGateway();
      const open = await approved(gateway, 'auth:void', 500);
      const voided = await gateway.void({ idempotencyKey: 'void:1', authorizationId: open });
      expect(voided.voidId).toMatch(/^void_[0-9a-f]{20}$/);
      expect(await gateway.void({ idempotencyKey: 'void:1', authorizationId: open })).toEqual(voided);
      expect(gateway.inspect(open)?.status).toBe('voided');
      await expect(
        gateway.capture({ idempotencyKey: 'cap:v', authorizationId: open, amount: 1, currency: 'USD' }),
      ).rejects.toBeInstanceOf(ConflictError);

      const taken = await approved(gateway, 'auth:taken', 500);
      await gateway.capture({
        idempotencyKey: 'cap:t',
        authorizationId: taken,
        amount: 500,
        currency: 'USD',
      });
      await expect(gateway.void({ idempotencyKey: 'void:2', authorizationId: taken })).rejects.toBeInstanceOf(
        ConflictError,
      );
    });
  });

  describe('When the customer email asks for a decline', () => {
    it('declines without throwing, with or without a plus tag', async () => {
      for (const email of ['ada+decline@example.com', 'decline@example.com']) {
        expect(await authorize(`auth:${email}`, email)).toEqual({
          approved: false,
          reason: 'card declined (simulated)',
        });
      }
    });
  });

  describe('When the customer email asks for a timeout', () => {
    it('throws a PaymentTimeoutError every time, and a void by the key releases what was approved', async () => {
      const gateway = new SimulatedPaymentGateway();
      const request = {
        idempotencyKey: 'auth:o-4',
        amount: 6859,
        currency: 'USD',
        customerEmail: 'timeout@x.io',
      };
      await expect(gateway.authorize(request)).rejects.toBeInstanceOf(PaymentTimeoutError);
      await expect(gateway.authorize(request)).rejects.toBeInstanceOf(PaymentTimeoutError);
      expect(gateway.inspectByKey('auth:o-4')?.status).toBe('authorized');
      const voided = await gateway.void({ idempotencyKey: 'void:o-4', authorizationKey: 'auth:o-4' });
      expect(voided.voidId).toBeDefined();
      expect(gateway.inspectByKey('auth:o-4')?.status).toBe('voided');
    });

    it('answers the first outcome on a retry with the same key when only the first answer was lost', async () => {
      const gateway = new SimulatedPaymentGateway();
      const request = {
        idempotencyKey: 'auth:o-5',
        amount: 100,
        currency: 'USD',
        customerEmail: 'a+timeout-once@x.io',
      };
      await expect(gateway.authorize(request)).rejects.toBeInstanceOf(PaymentTimeoutError);
      expect(await gateway.authorize(request)).toEqual({
        approved: true,
        authorizationId: expect.stringMatching(/^auth_/),
      });
    });

    it('a capture whose first answer was lost captures once when retried with its key', async () => {
      const gateway = new SimulatedPaymentGateway();
      const auth = await approved(gateway, 'auth:o-6', 100, 'a+capture-timeout-once@x.io');
      const capture = () =>
        gateway.capture({ idempotencyKey: 'cap:o-6', authorizationId: auth, amount: 100, currency: 'USD' });
      await expect(capture()).rejects.toBeInstanceOf(PaymentTimeoutError);
      expect((await capture()).captureId).toMatch(/^cap_/);
      expect(gateway.inspect(auth)).toMatchObject({ captured: 100 });
      expect(await gateway.listTransactions({ from: '2000-01-01', to: '2999-01-01' })).toHaveLength(1);
    });
  });

  describe('When the customer email asks for capture declines', () => {
    it('approves the authorization and declines its captures', async () => {
      const gateway = new SimulatedPaymentGateway();
      const auth = await approved(gateway, 'auth:o-7', 100, 'capture-decline@x.io');
      await expect(
        gateway.capture({ idempotencyKey: 'cap:o-7', authorizationId: auth, amount: 100, currency: 'USD' }),
      ).rejects.toBeInstanceOf(PaymentDeclinedError);
    });
  });
});

async function approved(gateway: SimulatedPaymentGateway, key: string, amount: number, email = 'a@b.co') {
  const result = await gateway.authorize({
    idempotencyKey: key,
    amount,
    currency: 'USD',
    customerEmail: email,
  });
  if (!result.approved) throw new Error('expected an approval');
  return result.authorizationId;
}

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
