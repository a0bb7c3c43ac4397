import { formatMinorUnits } from './money.js';

/**
 * Customer notifications as data: which template an event calls for, and what it says. Pure: the app layer
 * (shared/app/notifications.ts) records and delivers what these return. See docs/notifications.md.
 */
export const TEMPLATES = [
  'order-confirmed',
  'order-shipped',
  'ready-for-pickup',
  'order-delayed',
  'order-cancelled',
  'order-cancelled-by-agent',
  'order-lines-cancelled',
  'order-refunded',
] as const;
export type TemplateName = (typeof TEMPLATES)[number];

export const NOTIFICATION_CHANNELS = ['email', 'sms', 'none'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/** What a template needs of the order: no more than the message shows. */
export interface OrderForMessage {
  id: string;
  orderNumber?: string;
  currency: string;
  lines: readonly { sku: string; name?: string; quantity: number }[];
  total: number;
  pickup: boolean;
}

export type TemplateInput =
  | { template: 'order-confirmed' }
  | { template: 'order-shipped'; tracking: readonly { carrier: string; trackingNumber: string }[] }
  | { template: 'order-delayed'; newPromise: string; previousPromise: string }
  | { template: 'order-cancelled' }
  | { template: 'order-cancelled-by-agent' }
  | {
      template: 'order-lines-cancelled';
      lines: readonly { sku: string; name?: string; quantity: number }[];
      /** The order's total after the cancellation (minor units of the order's currency). */
      total: number;
    }
  | { template: 'order-refunded'; amount: number; currency: string };

export interface RenderedMessage {
  /** The template actually used: a shipped pickup order reads "ready for pickup". */
  template: TemplateName;
  subject: string;
  /** The email's text body. */
  body: string;
  /** The SMS text: one line, short. */
  sms: string;
}

const money = (amount: number, currency: string) => `${formatMinorUnits(amount, currency)} ${currency}`;

export function renderNotification(order: OrderForMessage, input: TemplateInput): RenderedMessage {
  const number = order.orderNumber ?? order.id;
  switch (input.template) {
    case 'order-confirmed': {
      const lines = order.lines.map((line) => `- ${line.quantity} × ${line.name ?? line.sku}`);
      return {
        template: 'order-confirmed',
        subject: `Order ${number} confirmed`,
        body: [
          `Thank you. We have your order ${number} and its items are reserved:`,
          ...lines,
          `Total: ${money(order.total, order.currency)}.`,
        ].join('\n'),
        sms: `Order ${number} confirmed. Total ${money(order.total, order.currency)}.`,
      };
    }
    case 'order-shipped': {
      if (order.pickup) {
        return {
          template: 'ready-for-pickup',
          subject: `Order ${number} is ready for pickup`,
          body: `Your order ${number} is ready for pickup at the store you chose. Bring your order number.`,
          sms: `Order ${number} is ready for pickup.`,
        };
      }
      const tracking = input.tracking.map((parcel) => `${parcel.carrier} ${parcel.trackingNumber}`);
      return {
        template: 'order-shipped',
        subject: `Your order ${number} has shipped`,
        body: [
          `Your order ${number} is on its way.`,
          `Total ${money(order.total, order.currency)}.`,
          `Tracking: ${tracking.join(', ') || 'to follow'}.`,
        ].join('\n'),
        sms: `Order ${number} shipped. Tracking: ${tracking.join(', ') || 'to follow'}.`,
      };
    }
    case 'order-delayed': {
      const what = order.pickup ? 'be ready for pickup' : 'arrive';
      return {
        template: 'order-delayed',
        subject: `Your order ${number} will ${what} later than promised`,
        body: `We now expect your order ${number} to ${what} by ${input.newPromise} instead of ${input.previousPromise}. We are sorry for the wait.`,
        sms: `Order ${number} is delayed: now expected by ${input.newPromise}.`,
      };
    }
    case 'order-cancelled':
      return {
        template: 'order-cancelled',
        subject: `Order ${number} cancelled`,
        body: `We could not complete your order ${number} and have cancelled it. Any payment taken is returned.`,
        sms: `Order ${number} was cancelled. Any payment taken is returned.`,
      };
    // An agent's cancellation is a customer service decision, usually asked for by the customer: it is told
    // as one, not as the failure "we could not complete your order". Nothing is captured before a pick.
    case 'order-cancelled-by-agent':
      return {
        template: 'order-cancelled-by-agent',
        subject: `Order ${number} cancelled`,
        body: `Your order ${number} was cancelled by our customer service team, at your request or after speaking with you. You will not be charged for it, and any hold on your payment is released. If you did not expect this, please contact us.`,
        sms: `Order ${number} was cancelled by customer service. You will not be charged for it.`,
      };
    case 'order-lines-cancelled': {
      const lines = input.lines.map((line) => `- ${line.quantity} × ${line.name ?? line.sku}`);
      const units = input.lines.reduce((sum, line) => sum + line.quantity, 0);
      return {
        template: 'order-lines-cancelled',
        subject: `Items cancelled from order ${number}`,
        body: [
          `Our customer service team cancelled some items of your order ${number}:`,
          ...lines,
          `The rest of the order goes ahead. New total: ${money(input.total, order.currency)}.`,
        ].join('\n'),
        sms: `Order ${number}: ${units} ${units === 1 ? 'item' : 'items'} cancelled. New total ${money(input.total, order.currency)}.`,
      };
    }
    case 'order-refunded':
      return {
        template: 'order-refunded',
        subject: `Refund for order ${number}`,
        body: `We refunded ${money(input.amount, input.currency)} for your order ${number}. It may take a few days to show.`,
        sms: `Refund of ${money(input.amount, input.currency)} for order ${number} issued.`,
      };
  }
}

export interface ChannelPreference {
  channel: NotificationChannel;
  phone?: string;
}

/**
 * Where a message goes: the customer's preference (email by default); SMS needs a phone, from the preference
 * or the order, and falls back to email without one. `undefined`: the customer asked for none.
 */
export function chooseRecipient(
  preference: ChannelPreference | undefined,
  customer: { email: string; phone?: string },
): { channel: 'email' | 'sms'; to: string } | undefined {
  const channel = preference?.channel ?? 'email';
  if (channel === 'none') return undefined;
  const phone = preference?.phone ?? customer.phone;
  if (channel === 'sms' && phone) return { channel: 'sms', to: phone };
  return { channel: 'email', to: customer.email };
}

/** A recipient as the API shows it: first letter and domain of an email, last 4 digits of a phone. */
export function maskRecipient(channel: 'email' | 'sms', to: string): string {
  if (channel === 'email') {
    const at = to.lastIndexOf('@');
    return at > 0 ? `${to.charAt(0)}***${to.slice(at)}` : '***';
  }
  const digits = to.replace(/\D/g, '');
  return `***${digits.slice(-4)}`;
}
