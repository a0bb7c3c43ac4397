import { describe, expect, it } from 'vitest';
import { chooseRecipient, maskRecipient, renderNotification } from '../../../shared/domain/notifications.js';

const order = {
  id: 'ord_1',
  orderNumber: '1001',
  currency: 'JPY',
  lines: [{ sku: 'SKU-A', name: 'Teapot', quantity: 1 }],
  total: 4500,
  pickup: false,
};

describe('Given the notification templates', () => {
  it('confirms an order with its lines and the total in the currency exponent', () => {
    const message = renderNotification(order, { template: 'order-confirmed' });
    expect(message.subject).toBe('Order 1001 confirmed');
    expect(message.body).toContain('1 × Teapot');
    expect(message.body).toContain('Total: 4500 JPY.');
  });

  it('switches shipped to ready for pickup for a pickup order', () => {
    const tracking = [{ carrier: 'UPS', trackingNumber: '1Z9' }];
    expect(renderNotification(order, { template: 'order-shipped', tracking })).toMatchObject({
      template: 'order-shipped',
      sms: 'Order 1001 shipped. Tracking: UPS 1Z9.',
    });
    expect(
      renderNotification({ ...order, pickup: true }, { template: 'order-shipped', tracking }),
    ).toMatchObject({
      template: 'ready-for-pickup',
      subject: 'Order 1001 is ready for pickup',
    });
  });

  it('states the refunded amount in major units', () => {
    const message = renderNotification(order, { template: 'order-refunded', amount: 1234, currency: 'USD' });
    expect(message.body).toContain('12.34 USD');
  });
});

describe('Given a channel preference', () => {
  const customer = { email: 'ada@example.com', phone: '+12125550147' };
  it('defaults to email, texts the order phone for sms, and sends nothing for none', () => {
    expect(chooseRecipient(undefined, customer)).toEqual({ channel: 'email', to: 'ada@example.com' });
    expect(chooseRecipient({ channel: 'sms' }, customer)).toEqual({ channel: 'sms', to: '+12125550147' });
    expect(chooseRecipient({ channel: 'sms', phone: '+4915112345678' }, customer)?.to).toBe('+4915112345678');
    expect(chooseRecipient({ channel: 'sms' }, { email: 'ada@example.com' })?.channel).toBe('email');
    expect(chooseRecipient({ channel: 'none' }, customer)).toBeUndefined();
  });

  it('masks recipients to a first letter and domain, or the last 4 digits', () => {
    expect(maskRecipient('email', 'ada@example.com')).toBe('a***@example.com');
    expect(maskRecipient('sms', '+12125550147')).toBe('***0147');
  });
});
