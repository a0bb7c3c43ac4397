import type { EventBridgeEvent } from 'aws-lambda';
import { z } from 'zod';
import { couponSettings } from '../config/coupons.js';
import { recoveryCouponCode } from '../domain/carts.js';
import { cartRecoveryCoupon } from '../domain/coupons.js';
import { NotFoundError, TransientError } from '../domain/errors.js';
import { freightInvoiceEntry, refundEntry, saleEntry } from '../domain/ledger.js';
import type { CartAbandonedData } from '../events/catalogue/cart-abandoned.js';
import {
  CartAbandoned,
  CartRecoveryRequested,
  PaymentCaptured,
  PaymentRefunded,
} from '../events/catalogue.js';
import { type DomainEvent, MetadataSchema } from '../events/envelope.js';
import type { Deps } from '../runtime/deps.js';
import { getCart } from '../store/carts.js';
import { couponCreateOnceItem } from '../store/coupons.js';
import type { TransactItem } from '../store/db.js';
import { keys } from '../store/keys.js';
import {
  freightEntryId,
  getJournalEntry,
  orderJournal,
  postJournalEntry,
  saleEntryId,
} from '../store/ledger.js';
import { getOrderRecord, transact } from '../store/orders.js';
import { changeAttributes } from '../store/outbox.js';

const EnvelopeSchema = z.object({
  id: z.string(),
  source: z.string(),
  'detail-type': z.string(),
  time: z.string(),
  detail: z.object({ metadata: MetadataSchema, data: z.record(z.string(), z.unknown()) }),
});
export type BusEnvelope = z.infer<typeof EnvelopeSchema> & Pick<EventBridgeEvent<string, unknown>, 'id'>;

export function parseEnvelope(body: string): BusEnvelope {
  return EnvelopeSchema.parse(JSON.parse(body));
}

/**
 * Applies an event's effects together with an inbox item keyed by the event's idempotency key, in one
 * transaction: a redelivered or republished event finds its inbox item and changes nothing.
 */
export async function consumeOnce(
  deps: Deps,
  consumer: string,
  envelope: BusEnvelope,
  effects: TransactItem[],
  /** Events the consumer announces: packed on the inbox item, so they are published once, with its effects. */
  events: readonly DomainEvent[] = [],
): Promise<'applied' | 'duplicate'> {
  const now = deps.clock.now().toISOString();
  const applied = await transact(deps, [
    {
      Put: {
        TableName: deps.tableName,
        Item: {
          ...keys.inbox(consumer, envelope.detail.metadata.idempotencyKey),
          entity: 'InboxEntry',
          entityVersion: 1,
          consumer,
          eventId: envelope.id,
          detailType: envelope['detail-type'],
          source: envelope.source,
          orderId:
            typeof envelope.detail.data.orderId === 'string' ? envelope.detail.data.orderId : undefined,
          cartId: typeof envelope.detail.data.cartId === 'string' ? envelope.detail.data.cartId : undefined,
          receivedAt: now,
          // Inbox rows only guard against redelivery; 30 days is far beyond any retry or replay window.
          expiresAt: Math.floor(Date.now() / 1000) + 30 * 24 * 3600,
          ...changeAttributes(deps, { events }),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    ...effects,
  ]);
  return applied ? 'applied' : 'duplicate';
}

const add = (deps: Deps, key: { pk: string; sk: string }, counters: Record<string, number>): TransactItem => {
  const entries = Object.entries(counters);
  return {
    Update: {
      TableName: deps.tableName,
      Key: key,
      UpdateExpression: `ADD ${entries.map((_, index) => `#c${index} :c${index}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(entries.map(([name], index) => [`#c${index}`, name])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, value], index) => [`:c${index}`, value])),
    },
  };
};

/**
 * Marketing (docs/carts-and-marketing.md): per-product and per-customer interest, and the recovery of
 * abandoned carts. Only OrderPlaced and CartAbandoned reach it (shared/config/event-rules.ts); daily figures
 * come from the orders and carts themselves in the reporting job, not from a per-day counter every order
 * would write. Counters move only with a new inbox row, so a redelivery changes nothing.
 *
 * - OrderPlaced: `ordered` + 1 per SKU (at most 90), `orders` + 1 for the customer (by email hash).
 * - CartAbandoned: `abandoned` + 1 per SKU, `abandonedCarts` + 1 for the customer; when the cause suggests a
 *   coupon (shipping-cost, checkout-abandoned), the cart is still abandoned, has an email and was never
 *   offered one: the coupon code on the cart (`recovery`) and `CartRecoveryRequested` on the inbox row.
 */
export async function recordMarketingEvent(deps: Deps, envelope: BusEnvelope) {
  const effects: TransactItem[] = [];
  const events: DomainEvent[] = [];
  const type = envelope['detail-type'];
  if (type === 'OrderPlaced') {
    const skus = z.array(z.string()).catch([]).parse(envelope.detail.data.skus);
    for (const sku of skus.slice(0, 90)) effects.push(add(deps, keys.productInterest(sku), { ordered: 1 }));
    const hash = z.string().optional().catch(undefined).parse(envelope.detail.data.emailHash);
    if (hash) effects.push(add(deps, keys.customerInterest(hash), { orders: 1 }));
  }
  if (type === 'CartAbandoned') {
    const data = CartAbandoned.schema.parse(envelope.detail.data);
    const skus = [...new Set(data.lines.map((line) => line.sku))];
    for (const sku of skus.slice(0, 90)) effects.push(add(deps, keys.productInterest(sku), { abandoned: 1 }));
    const recovery = await recoveryFor(deps, data);
    if (data.emailHash) {
      effects.push(
        add(deps, keys.customerInterest(data.emailHash), {
          abandonedCarts: 1,
          ...(recovery ? { recoveries: 1 } : {}),
        }),
      );
    }
    if (recovery) {
      effects.push(...recovery.items);
      events.push(recovery.event);
    }
  }
  return consumeOnce(deps, 'marketing', envelope, effects, events);
}

/** The recovery an abandoned cart gets, if any: the coupon recorded on the cart, and the event asking for it. */
async function recoveryFor(deps: Deps, data: CartAbandonedData) {
  // Causes a coupon may win back; a blocker (stock, delivery date) or no known reason is not chased.
  const reason = data.cause;
  if (reason !== 'shipping-cost' && reason !== 'checkout-abandoned') return undefined;
  const cart = await getCart(deps, data.cartId, { consistent: true });
  // A cart a later event brought back, or one already offered a coupon, is not chased again.
  if (cart?.status !== 'abandoned' || cart.recovery || !cart.customer?.email) return undefined;
  const couponCode = recoveryCouponCode(cart.id);
  const requestedAt = deps.clock.now();
  const item: TransactItem = {
    Update: {
      TableName: deps.tableName,
      Key: keys.cart(cart.id),
      UpdateExpression: 'SET recovery = :recovery',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: {
        ':recovery': { couponCode, reason, requestedAt: requestedAt.toISOString() },
      },
    },
  };
  // The code becomes a real single-use coupon in the same transaction as the event that announces it, so a
  // customer never receives a code the checkout does not know (docs/coupons.md#cart-recovery).
  const coupon = cartRecoveryCoupon({
    code: couponCode,
    cartId: cart.id,
    ...(data.currency ? { currency: data.currency } : {}),
    requestedAt,
    ...couponSettings.cartRecovery,
  });
  const event = CartRecoveryRequested.create(
    {
      cartId: cart.id,
      customer: { email: cart.customer.email },
      couponCode,
      reason,
      ...(data.currency ? { currency: data.currency } : {}),
      subtotal: data.subtotal,
      coupon: { basisPoints: couponSettings.cartRecovery.basisPoints, endsAt: coupon.endsAt ?? '' },
    },
    { correlationId: cart.id, idempotencyKey: `${cart.id}:recovery`, occurredAt: requestedAt },
  );
  return { items: [item, couponCreateOnceItem(deps, coupon)], event };
}

/** FreightInvoiceApproved (oms.logistics), as the freight audit writes it: read here with its own schema. */
const FreightInvoiceApprovedSchema = z.object({
  invoiceId: z.string().min(1),
  carrier: z.string().min(1),
  currency: z.string().regex(/^[A-Z]{3}$/),
  amount: z.number().int().nonnegative(),
  lines: z
    .array(
      z.object({
        shipmentId: z.string().optional(),
        orderId: z.string().optional(),
        amount: z.number().int().nonnegative(),
      }),
    )
    .default([]),
});

/**
 * Accounting: posts the journal entry a money event calls for, exactly once (docs/ledger.md). The entry's
 * id comes with the event (a sale per capture, one entry per refund) or from it (a freight invoice's id),
 * and the entry's conditional put is its own idempotency record: a redelivered or republished event
 * answers 'duplicate' and posts nothing. A refund that arrives before the sale of a capture it returns
 * money from is thrown back to the queue, which redelivers it later (out of order is normal).
 *
 * - PaymentCaptured: the sale of what the capture took (`totals`, the capture's share), the card's part
 *   (`amount`) to clearing and the rest to gift card / store credit liability (the order's tenders);
 * - PaymentRefunded: per capture refunded, the proportional reversal of that capture's sale;
 * - FreightInvoiceApproved: freight expense per invoice line, owed to the carrier.
 */
export async function recordAccountingEvent(
  deps: Deps,
  envelope: BusEnvelope,
): Promise<'applied' | 'duplicate' | 'ignored'> {
  const postedAt = envelope.detail.metadata.occurredAt;
  const type = envelope['detail-type'];
  const outcome = (posted: 'posted' | 'duplicate') => (posted === 'posted' ? 'applied' : 'duplicate');
  if (type === 'PaymentCaptured') {
    const data = PaymentCaptured.schema.parse(envelope.detail.data);
    const order =
      data.totals && data.totals.grand === data.amount ? undefined : await getOrderRecord(deps, data.orderId);
    const totals = data.totals ?? order?.totals;
    if (!totals) throw new NotFoundError(`order ${data.orderId} of capture ${data.captureId} does not exist`);
    // A shipment of free items (its share all zeros, nothing taken): there is no sale to post.
    const { subtotal, discount, shipping, tax, grand } = totals;
    if (data.amount === 0 && subtotal === 0 && discount === 0 && shipping === 0 && tax === 0 && grand === 0) {
      return 'ignored';
    }
    const shipmentId = (envelope.detail.data as { shipmentId?: unknown }).shipmentId;
    const entry = saleEntry({
      id: data.journalEntryId,
      postedAt,
      currency: data.currency,
      orderId: data.orderId,
      paymentId: data.captureId,
      totals,
      cash: data.amount,
      ...(order?.tenders ? { tenders: order.tenders } : {}),
      ...(typeof shipmentId === 'string' ? { shipmentId } : {}),
    });
    return outcome(await postJournalEntry(deps, data.orderId, entry));
  }
  if (type === 'PaymentRefunded') {
    const data = PaymentRefunded.schema.parse(envelope.detail.data);
    if (!data.captures) {
      const sale = await getJournalEntry(deps, data.orderId, saleEntryId(data.orderId));
      if (!sale)
        throw new TransientError(`the sale of order ${data.orderId} is not posted yet; refund waits`);
      const entry = refundEntry({ id: data.journalEntryId, postedAt, sale, refundId: data.refundId });
      return outcome(await postJournalEntry(deps, data.orderId, entry));
    }
    const journal = await orderJournal(deps, data.orderId);
    const parts = data.captures.map((part) => {
      const sale = journal.find((entry) => entry.links.paymentId === part.captureId && !entry.links.refundId);
      if (!sale) {
        throw new TransientError(`the sale of capture ${part.captureId} is not posted yet; refund waits`);
      }
      return {
        sale,
        amount: part.amount,
        before: part.refundedBefore ?? 0,
        gatewayRefundId: part.refundId,
      };
    });
    const entry = refundEntry({
      id: data.journalEntryId,
      postedAt,
      refundId: data.refundId,
      parts,
      ...(data.reason ? { reason: data.reason } : {}),
    });
    return outcome(await postJournalEntry(deps, data.orderId, entry));
  }
  if (type === 'FreightInvoiceApproved') {
    const data = FreightInvoiceApprovedSchema.parse(envelope.detail.data);
    const entry = freightInvoiceEntry({
      id: freightEntryId(data.invoiceId),
      postedAt,
      invoiceId: data.invoiceId,
      carrier: data.carrier,
      currency: data.currency,
      amount: data.amount,
      lines: data.lines,
    });
    return outcome(await postJournalEntry(deps, undefined, entry));
  }
  return 'ignored';
}
