import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedPaymentGateway } from '../../shared/adapters/simulated/payment-gateway.js';
import { allocateOrder } from '../../shared/app/allocate-order.js';
import { billOrder } from '../../shared/app/bill-order.js';
import { cancelPayment, markOrderFailed, releaseAllocation } from '../../shared/app/compensate.js';
import { confirmPick } from '../../shared/app/confirm-pick.js';
import { recordAccountingEvent } from '../../shared/app/consumers.js';
import { setStock } from '../../shared/app/inventory.js';
import { getTrialBalance, listLedgerEntries, reconcilePayments } from '../../shared/app/ledger.js';
import { authorizationKey, listRefunds, refundOrder } from '../../shared/app/payments.js';
import { placeOrder } from '../../shared/app/place-order.js';
import { selectCarrier } from '../../shared/app/select-carrier.js';
import { ACCOUNTS, assertBalanced, type JournalEntry, saleEntry } from '../../shared/domain/ledger.js';
import type { CanonicalOrder } from '../../shared/domain/order.js';
import type { DomainEvent } from '../../shared/events/envelope.js';
import { stockForSku } from '../../shared/store/inventory.js';
import { keys } from '../../shared/store/keys.js';
import { orderJournal, postJournalEntry } from '../../shared/store/ledger.js';
import { putLocation } from '../../shared/store/locations.js';
import { getOrderAggregate } from '../../shared/store/orders.js';
import { busEnvelope } from '../support/bus.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';

let deps: TestDeps;
let gateway: SimulatedPaymentGateway;
let sequence = 0;
const posted = new Set<string>();

const order = (email: string, lines: CanonicalOrder['lines'], extra: Partial<CanonicalOrder> = {}) => {
  sequence += 1;
  const subtotal = lines.reduce((sum, line) => sum + line.unitPrice * line.quantity, 0);
  const discount = lines.reduce((sum, line) => sum + line.discount, 0);
  return {
    channel: 'direct' as const,
    externalId: `pay-${Date.now()}-${sequence}`,
    currency: 'USD',
    customer: { email },
    shippingAddress: { line1: '1 Main St', city: 'New York', postalCode: '10001', country: 'US' },
    lines,
    shipping: 599,
    tax: 333,
    discount,
    total: subtotal - discount + 599 + 333,
    fulfillment: { type: 'ship' as const },
    ...extra,
  };
};

const one = (sku = 'SKU-PAY') => [{ sku, quantity: 2, unitPrice: 2500, discount: 250 }];

async function place(email: string, lines = one(), extra: Partial<CanonicalOrder> = {}) {
  return (await placeOrder(deps, { order: order(email, lines, extra) })).orderId;
}

const available = async (sku: string) =>
  (await stockForSku(deps, sku)).reduce((sum, row) => sum + row.available, 0);

/** Picks every open ticket in full, then ships and bills each ticket on its own (one capture per shipment). */
async function shipAll(orderId: string) {
  const tickets = (await getOrderAggregate(deps, orderId))?.pickTickets ?? [];
  for (const ticket of tickets) {
    await confirmPick(deps, {
      pickTicketId: ticket.id,
      lines: ticket.lines.map(({ sku, quantity }) => ({ sku, quantity })),
    });
  }
  for (const ticket of [...tickets].sort((a, b) => a.id.localeCompare(b.id))) {
    await selectCarrier(deps, { orderId, pickTicketIds: [ticket.id] });
    await billOrder(deps, { orderId, pickTicketIds: [ticket.id] });
  }
}

/** The accounting consumer, fed every money event announced so far (oldest first, each once). */
async function postMoneyEvents() {
  const events = await deps.outbox();
  for (const event of events as DomainEvent[]) {
    if (!['PaymentCaptured', 'PaymentRefunded'].includes(event.detailType)) continue;
    const key = event.detail.metadata.idempotencyKey;
    if (posted.has(key)) continue;
    await recordAccountingEvent(deps, busEnvelope(event, `e-${key}`));
    posted.add(key);
  }
}

const clearingOf = (entries: readonly JournalEntry[]) =>
  entries.reduce(
    (sum, entry) =>
      sum +
      entry.lines
        .filter((line) => line.account === ACCOUNTS.paymentClearing)
        .reduce((total, line) => total + line.debit - line.credit, 0),
    0,
  );

beforeAll(async () => {
  deps = await createTestDeps();
  gateway = deps.payments as SimulatedPaymentGateway;
  for (const id of ['wh-pay-a', 'wh-pay-b']) {
    await putLocation(deps, {
      id,
      kind: 'warehouse',
      name: id,
      address: { line1: '1 Dock', city: 'Newark', postalCode: '07114', country: 'US' },
      shipsToHome: true,
      pickup: false,
      dailyCapacity: 0,
      cutoffTime: '23:59',
    });
  }
  await setStock(deps, { locationId: 'wh-pay-a', sku: 'SKU-PAY', onHand: 100 });
  await setStock(deps, { locationId: 'wh-pay-a', sku: 'SKU-SPLIT-A', onHand: 100 });
  await setStock(deps, { locationId: 'wh-pay-b', sku: 'SKU-SPLIT-B', onHand: 100 });
});

describe('Given a customer whose card is declined', () => {
  describe('When the order allocates and the workflow compensates', () => {
    it('fails the order with the reason, takes no money and holds no stock', async () => {
      const before = await available('SKU-PAY');
      const orderId = await place('decline@example.com');
      await expect(allocateOrder(deps, { orderId, taskToken: 't' })).rejects.toMatchObject({
        name: 'PaymentDeclinedError',
      });
      // The Standard workflow's Catch: void or refund, release stock, mark failed.
      expect(await cancelPayment(deps, { orderId })).toEqual({ outcome: 'nothing-to-undo' });
      await releaseAllocation(deps, { orderId });
      await markOrderFailed(deps, {
        orderId,
        error: { Error: 'PaymentDeclinedError', Cause: 'card declined (simulated)' },
      });

      const aggregate = await getOrderAggregate(deps, orderId);
      expect(aggregate?.order).toMatchObject({
        status: 'failed',
        payment: { status: 'declined', declineReason: 'card declined (simulated)', captured: 0 },
        failure: { error: 'PaymentDeclinedError' },
      });
      expect(aggregate?.timeline.map((line) => line.type)).toContain('PaymentDeclined');
      expect(aggregate?.reservations.filter((row) => row.status === 'held')).toEqual([]);
      expect(await available('SKU-PAY')).toBe(before);
    });
  });
});

describe('Given a gateway that never answers the authorization in time', () => {
  describe('When every retry times out and the workflow compensates', () => {
    it('voids the authorization by its key, fails the order and holds no stock', async () => {
      const before = await available('SKU-PAY');
      const orderId = await place('timeout@example.com');
      for (let attempt = 0; attempt < 3; attempt += 1) {
        await expect(allocateOrder(deps, { orderId, taskToken: 't' })).rejects.toMatchObject({
          name: 'PaymentTimeoutError',
        });
      }
      // The gateway did approve it: an authorization exists that the order never learned of.
      expect(gateway.inspectByKey(authorizationKey(orderId))?.status).toBe('authorized');
      expect((await getOrderAggregate(deps, orderId))?.order.payment.timedOutAt).toBeDefined();

      expect(await cancelPayment(deps, { orderId })).toEqual({ outcome: 'voided' });
      expect(await cancelPayment(deps, { orderId })).toEqual({ outcome: 'nothing-to-undo' });
      await releaseAllocation(deps, { orderId });
      await markOrderFailed(deps, { orderId, error: { Error: 'PaymentTimeoutError', Cause: 'timed out' } });

      expect(gateway.inspectByKey(authorizationKey(orderId))?.status).toBe('voided');
      const aggregate = await getOrderAggregate(deps, orderId);
      expect(aggregate?.order).toMatchObject({
        status: 'failed',
        payment: { status: 'failed', failureReason: 'authorization timed out', captured: 0 },
        failure: { error: 'PaymentTimeoutError' },
      });
      expect(aggregate?.timeline.map((line) => line.type)).toEqual(
        expect.arrayContaining(['PaymentTimedOut', 'PaymentVoided', 'OrderFailed']),
      );
      expect(await available('SKU-PAY')).toBe(before);
    });
  });

  describe('When only the first answer is lost', () => {
    it('the retry with the same key finds the one authorization and the order goes on', async () => {
      const orderId = await place('ada+timeout-once@example.com');
      await expect(allocateOrder(deps, { orderId, taskToken: 't1' })).rejects.toMatchObject({
        name: 'PaymentTimeoutError',
      });
      expect((await allocateOrder(deps, { orderId, taskToken: 't2' })).outcome).toBe('allocated');
      const { order } = (await getOrderAggregate(deps, orderId)) ?? {};
      expect(order?.payment).toMatchObject({
        status: 'authorized',
        authorizationId: gateway.inspectByKey(authorizationKey(orderId))?.id,
      });
    });
  });
});

describe('Given an authorized order that is cancelled before capture', () => {
  describe('When the workflow compensates', () => {
    it('voids the authorization and releases the reserved stock', async () => {
      const before = await available('SKU-PAY');
      const orderId = await place('cancel@example.com');
      await allocateOrder(deps, { orderId, taskToken: 't' });
      expect(await available('SKU-PAY')).toBe(before - 2);
      const authorizationId = (await getOrderAggregate(deps, orderId))?.order.payment.authorizationId ?? '';

      expect(await cancelPayment(deps, { orderId })).toEqual({ outcome: 'voided' });
      expect((await releaseAllocation(deps, { orderId })).released).toHaveLength(1);
      await markOrderFailed(deps, { orderId, error: { Error: 'Cancelled', Cause: 'customer cancelled' } });

      expect(gateway.inspect(authorizationId)?.status).toBe('voided');
      expect((await getOrderAggregate(deps, orderId))?.order).toMatchObject({
        status: 'failed',
        payment: { status: 'voided', captured: 0 },
      });
      expect(await available('SKU-PAY')).toBe(before);
      expect((await deps.outbox()).some((event) => event.detailType === 'PaymentVoided')).toBe(true);
    });
  });
});

describe('Given a shipped order whose capture is retried', () => {
  describe('When the bill step runs again with the same shipment', () => {
    it('captures once at the gateway and posts one sale', async () => {
      const orderId = await place('retry@example.com');
      await allocateOrder(deps, { orderId, taskToken: 't' });
      await shipAll(orderId);
      const again = await billOrder(deps, { orderId });
      const authorizationId = (await getOrderAggregate(deps, orderId))?.order.payment.authorizationId ?? '';
      const grand = 2 * 2500 - 250 + 599 + 333;

      expect(again.payment.captured).toBe(grand);
      expect(gateway.inspect(authorizationId)).toMatchObject({ captured: grand, status: 'closed' });
      const captures = (await gateway.listTransactions({ from: '2000-01-01', to: '2999-01-01' })).filter(
        (row) => row.reference === orderId,
      );
      expect(captures).toHaveLength(1);
      await postMoneyEvents();
      await postMoneyEvents();
      expect(await orderJournal(deps, orderId)).toHaveLength(1);
    });
  });
});

describe('Given an order shipped from two warehouses and refunded in parts', () => {
  let orderId: string;
  const lines = [
    { sku: 'SKU-SPLIT-A', quantity: 1, unitPrice: 3000, discount: 100 },
    { sku: 'SKU-SPLIT-B', quantity: 3, unitPrice: 1333, discount: 0 },
  ];
  const grand = 3000 + 3 * 1333 - 100 + 599 + 333;

  beforeAll(async () => {
    orderId = await place('split@example.com', lines);
    await allocateOrder(deps, { orderId, taskToken: 't' });
    await shipAll(orderId);
    await postMoneyEvents();
  });

  it('captured twice on one authorization, up to the authorized amount, with a sale entry per capture', async () => {
    const aggregate = await getOrderAggregate(deps, orderId);
    expect(aggregate?.order.payment).toMatchObject({ status: 'captured', captured: grand });
    const captures = (await gateway.listTransactions({ from: '2000-01-01', to: '2999-01-01' })).filter(
      (row) => row.reference === orderId && row.type === 'capture',
    );
    expect(captures).toHaveLength(2);
    expect(captures.reduce((sum, row) => sum + row.amount, 0)).toBe(grand);
    const journal = await orderJournal(deps, orderId);
    expect(journal).toHaveLength(2);
    expect(clearingOf(journal)).toBe(grand);
    for (const entry of journal) expect(() => assertBalanced(entry)).not.toThrow();
  });

  it('refunds a part by amount, a part by lines, refuses too much, then the rest; the journal nets to zero', async () => {
    const first = await refundOrder(deps, {
      orderId,
      amount: 1000,
      reason: 'damaged',
      idempotencyKey: 'rf-1-dmg',
    });
    expect(first.duplicate).toBe(false);
    expect(first.refund).toMatchObject({ status: 'completed', amount: 1000 });
    // A retry with the same key refunds nothing twice; the same key for another refund is refused.
    expect(
      (await refundOrder(deps, { orderId, amount: 1000, reason: 'damaged', idempotencyKey: 'rf-1-dmg' }))
        .duplicate,
    ).toBe(true);
    await expect(
      refundOrder(deps, { orderId, amount: 999, reason: 'damaged', idempotencyKey: 'rf-1-dmg' }),
    ).rejects.toMatchObject({ statusCode: 409 });

    const byLines = await refundOrder(deps, {
      orderId,
      lines: [{ sku: 'SKU-SPLIT-B', quantity: 1 }],
      reason: 'returned',
      idempotencyKey: 'rf-2-lines',
    });
    expect(byLines.refund.amount).toBeGreaterThan(1333);
    await expect(
      refundOrder(deps, { orderId, amount: grand, reason: 'too much', idempotencyKey: 'rf-3-much' }),
    ).rejects.toMatchObject({ statusCode: 422 });

    const rest = await refundOrder(deps, { orderId, reason: 'cancelled', idempotencyKey: 'rf-4-rest' });
    expect(rest.refund.amount).toBe(grand - 1000 - byLines.refund.amount);
    // Oldest capture first: the remainder spans both captures.
    expect(rest.refund.captures.length).toBeGreaterThanOrEqual(1);
    await expect(
      refundOrder(deps, { orderId, amount: 1, reason: 'again', idempotencyKey: 'rf-5-more' }),
    ).rejects.toMatchObject({ statusCode: 422 });

    await postMoneyEvents();
    const aggregate = await getOrderAggregate(deps, orderId);
    expect(aggregate?.order.payment).toMatchObject({ status: 'refunded', captured: grand, refunded: grand });
    expect(aggregate?.timeline.filter((line) => line.type === 'PaymentRefunded')).toHaveLength(3);
    expect((await listRefunds(deps, orderId)).map((row) => row.status)).toEqual([
      'completed',
      'completed',
      'completed',
    ]);

    const journal = await orderJournal(deps, orderId);
    expect(journal).toHaveLength(5);
    const net: Record<string, number> = {};
    for (const entry of journal) {
      assertBalanced(entry);
      for (const line of entry.lines) net[line.account] = (net[line.account] ?? 0) + line.debit - line.credit;
    }
    expect(Object.values(net).every((value) => value === 0)).toBe(true);
    const refundEntries = journal.filter((entry) => entry.links.refundId);
    expect(refundEntries.map((entry) => entry.id).sort()).toEqual(
      (await listRefunds(deps, orderId)).map((row) => row.journalEntryId).sort(),
    );
  });
});

describe('Given an order paid partly with a gift card and store credit', () => {
  it('authorizes only the card part and books the rest against the liabilities at capture', async () => {
    const grand = 2 * 2500 - 250 + 599 + 333;
    const orderId = await place('tender@example.com', one(), {
      tenders: { giftCard: 1000, storeCredit: 500 },
    });
    await allocateOrder(deps, { orderId, taskToken: 't' });
    const authorization = gateway.inspectByKey(authorizationKey(orderId));
    expect(authorization?.amount).toBe(grand - 1500);
    await shipAll(orderId);
    await postMoneyEvents();
    const [entry] = await orderJournal(deps, orderId);
    const line = (account: string) => entry?.lines.find((row) => row.account === account);
    expect(line(ACCOUNTS.paymentClearing)?.debit).toBe(grand - 1500);
    expect(line(ACCOUNTS.giftCardLiability)?.debit).toBe(1000);
    expect(line(ACCOUNTS.storeCreditLiability)?.debit).toBe(500);
    expect(line(ACCOUNTS.salesRevenue)?.credit).toBe(5000);
  });

  it('refuses tenders that leave nothing for the card', async () => {
    await expect(
      place('tender-all@example.com', one(), { tenders: { giftCard: 99_999 } }),
    ).rejects.toMatchObject({
      statusCode: 422,
    });
  });
});

describe('Given a shipped order whose refund the gateway declines', () => {
  it('answers the decline and gives the reserved amount back, so a later refund can take it', async () => {
    const orderId = await place('refund-decline@example.com');
    await allocateOrder(deps, { orderId, taskToken: 't' });
    await shipAll(orderId);
    await expect(
      refundOrder(deps, { orderId, amount: 500, reason: 'damaged', idempotencyKey: 'declined-refund' }),
    ).rejects.toMatchObject({ name: 'PaymentDeclinedError', statusCode: 402 });
    expect((await getOrderAggregate(deps, orderId))?.order.payment.refunded).toBe(0);
    expect(await listRefunds(deps, orderId)).toEqual([]);
  });
});

describe('Given a carrier freight invoice approved by the freight audit', () => {
  it('posts freight expense against the carrier payable once, however often it arrives', async () => {
    const event = {
      source: 'oms.logistics',
      detailType: 'FreightInvoiceApproved',
      detail: {
        metadata: {
          version: 1,
          correlationId: 'inv-77',
          idempotencyKey: 'inv-77:approved',
          occurredAt: new Date().toISOString(),
        },
        data: {
          invoiceId: 'inv-77',
          carrier: 'UPS',
          currency: 'USD',
          amount: 2150,
          lines: [
            { shipmentId: 'sh_1', orderId: 'ord_1', amount: 1500 },
            { shipmentId: 'sh_2', amount: 650 },
          ],
        },
      },
    } as unknown as DomainEvent;
    expect(await recordAccountingEvent(deps, busEnvelope(event, 'f-1'))).toBe('applied');
    expect(await recordAccountingEvent(deps, busEnvelope(event, 'f-2'))).toBe('duplicate');
  });
});

describe('Given a mix of orders, partial captures, refunds and a freight invoice', () => {
  it('the trial balance sums to zero and clearing holds what was captured less refunded', async () => {
    const orderId = await place('mix@example.com');
    await allocateOrder(deps, { orderId, taskToken: 't' });
    await shipAll(orderId);
    await refundOrder(deps, { orderId, amount: 777, reason: 'goodwill', idempotencyKey: 'mix-goodwill' });
    await postMoneyEvents();

    const { currencies } = await getTrialBalance(deps, {});
    const usd = currencies.find((book) => book.currency === 'USD');
    expect(usd?.totals.balance).toBe(0);
    expect(usd?.totals.debit).toBe(usd?.totals.credit);
    const listed = await listLedgerEntries(deps, { limit: 200 });
    const captured = (await gateway.listTransactions({ from: '2000-01-01', to: '2999-01-01' })).reduce(
      (sum, row) => sum + (row.type === 'capture' ? row.amount : -row.amount),
      0,
    );
    const clearing = usd?.accounts.find((row) => row.account === ACCOUNTS.paymentClearing);
    expect(clearing?.balance).toBe(captured);
    expect(clearing?.balance).toBe(clearingOf(listed.items));
    expect(usd?.accounts.find((row) => row.account === ACCOUNTS.accountsPayableCarriers)?.balance).toBe(
      -2150,
    );
    expect(await getTrialBalance(deps, { currency: 'JPY' })).toMatchObject({ currencies: [] });
  });

  it('lists the period entries page by page, in posting order, and one order on its own', async () => {
    const all = await listLedgerEntries(deps, { limit: 200 });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listLedgerEntries(deps, { limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((entry) => entry.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.items.map((entry) => entry.id));
    const postedAt = all.items.map((entry) => entry.postedAt);
    expect(postedAt).toEqual([...postedAt].sort());
    const someOrder = all.items.find((entry) => entry.links.orderId)?.links.orderId ?? '';
    const mine = await listLedgerEntries(deps, { orderId: someOrder });
    expect(mine.items.length).toBeGreaterThan(0);
    expect(mine.items.every((entry) => entry.links.orderId === someOrder)).toBe(true);
  });
});

describe('Given an entry whose debits and credits differ', () => {
  it('is refused and nothing is written', async () => {
    const entry = saleEntry({
      id: 'je_unbalanced_sale',
      postedAt: new Date().toISOString(),
      currency: 'USD',
      orderId: 'ord_111111111111111111111111',
      paymentId: 'cap_unbalanced',
      totals: { subtotal: 1000, discount: 0, shipping: 0, tax: 0, grand: 1000 },
    });
    const broken = {
      ...entry,
      lines: entry.lines.map((line) => ({ ...line, credit: line.credit ? 999 : 0 })),
    };
    await expect(postJournalEntry(deps, 'ord_111111111111111111111111', broken)).rejects.toMatchObject({
      name: 'UnbalancedEntryError',
    });
    expect(await orderJournal(deps, 'ord_111111111111111111111111')).toEqual([]);
  });
});

describe('Given the period reconciled against the gateway and the orders', () => {
  it('finds nothing to report while ledger and payments agree', async () => {
    const report = await reconcilePayments(deps, {});
    expect(report.gatewayChecked).toBe(true);
    expect(report.differences).toEqual([]);
    expect(report.matched).toBeGreaterThan(0);
  });

  it('lists a missing entry, an amount mismatch and an entry without payment once they are planted', async () => {
    // Three shipped orders, posted; then one sale deleted, one altered, and an entry for no payment.
    const ids: string[] = [];
    for (const email of ['gone@example.com', 'altered@example.com']) {
      const orderId = await place(email);
      await allocateOrder(deps, { orderId, taskToken: 't' });
      await shipAll(orderId);
      ids.push(orderId);
    }
    await postMoneyEvents();
    const [gone, altered] = ids as [string, string];
    const goneSale = (await orderJournal(deps, gone))[0] as JournalEntry;
    await deps.db.send(
      new DeleteCommand({ TableName: deps.tableName, Key: keys.journal(gone, goneSale.id) }),
    );
    const alteredSale = (await orderJournal(deps, altered))[0] as JournalEntry;
    const tampered = {
      ...alteredSale,
      lines: alteredSale.lines.map((line) =>
        line.account === ACCOUNTS.paymentClearing
          ? { ...line, debit: line.debit - 1 }
          : line.account === ACCOUNTS.salesRevenue
            ? { ...line, credit: line.credit - 1 }
            : line,
      ),
      payments: [
        {
          type: 'capture' as const,
          id: alteredSale.links.paymentId ?? '',
          amount: (alteredSale.payments?.[0]?.amount ?? 0) - 1,
        },
      ],
    };
    await deps.db.send(
      new PutCommand({
        TableName: deps.tableName,
        Item: {
          ...keys.journal(altered, alteredSale.id),
          gsi2pk: `LEDGER#${alteredSale.postedAt.slice(0, 10)}`,
          gsi2sk: `${alteredSale.postedAt}#${alteredSale.id}`,
          entity: 'JournalEntry',
          entityVersion: 1,
          ...tampered,
        },
      }),
    );
    const phantom = saleEntry({
      id: 'je_phantom_sale',
      postedAt: new Date().toISOString(),
      currency: 'USD',
      orderId: 'ord_000000000000000000000000',
      paymentId: 'cap_phantom',
      totals: { subtotal: 1000, discount: 0, shipping: 0, tax: 0, grand: 1000 },
    });
    await postJournalEntry(deps, phantom.links.orderId, phantom);

    const report = await reconcilePayments(deps, {});
    const kinds = report.differences.map((difference) => [difference.kind, difference.orderId]);
    expect(kinds).toEqual(
      expect.arrayContaining([
        ['missing-entry', gone],
        ['amount-mismatch', altered],
        ['entry-without-payment', 'ord_000000000000000000000000'],
      ]),
    );
    expect(report.differences).toHaveLength(3);
    const mismatch = report.differences.find((difference) => difference.kind === 'amount-mismatch');
    expect((mismatch?.paymentAmount ?? 0) - (mismatch?.entryAmount ?? 0)).toBe(1);
  });
});
