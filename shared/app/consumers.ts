import type { EventBridgeEvent } from 'aws-lambda';
import { z } from 'zod';
import { MetadataSchema } from '../events/envelope.js';
import type { Deps } from '../runtime/deps.js';
import type { TransactItem } from '../store/db.js';
import { keys } from '../store/keys.js';
import { transact } from '../store/orders.js';

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
          receivedAt: now,
          // Inbox rows only guard against redelivery; 30 days is far beyond any retry or replay window.
          expiresAt: Math.floor(Date.now() / 1000) + 30 * 24 * 3600,
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

/** Marketing: per-product interest (orders per SKU) and the day's lifecycle counts. */
export async function recordMarketingEvent(deps: Deps, envelope: BusEnvelope) {
  const day = envelope.time.slice(0, 10);
  const effects: TransactItem[] = [
    add(deps, keys.dailyActivity('marketing', day), { [envelope['detail-type']]: 1 }),
  ];
  if (envelope['detail-type'] === 'OrderPlaced') {
    const skus = z.array(z.string()).catch([]).parse(envelope.detail.data.skus);
    for (const sku of skus.slice(0, 90)) effects.push(add(deps, keys.productInterest(sku), { ordered: 1 }));
  }
  return consumeOnce(deps, 'marketing', envelope, effects);
}

/** Accounting: money moved per day and currency, from payment events (the journal itself is posted at capture). */
export async function recordAccountingEvent(deps: Deps, envelope: BusEnvelope) {
  const day = envelope.time.slice(0, 10);
  const data = envelope.detail.data;
  const amount = typeof data.amount === 'number' ? data.amount : 0;
  const currency = typeof data.currency === 'string' ? data.currency : 'XXX';
  const counters: Record<string, number> = { [envelope['detail-type']]: 1 };
  if (envelope['detail-type'] === 'PaymentCaptured') counters[`captured_${currency}`] = amount;
  if (envelope['detail-type'] === 'PaymentRefunded') counters[`refunded_${currency}`] = amount;
  return consumeOnce(deps, 'accounting', envelope, [
    add(deps, keys.dailyActivity('accounting', day), counters),
  ]);
}
