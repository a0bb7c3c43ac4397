import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type ReturnCondition, type ReturnDisposition, returnPolicy } from '../config/returns.js';
import { emailHash } from '../domain/email-hash.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../domain/errors.js';
import { poundsToGrams } from '../domain/rate-shopping.js';
import {
  assertEvenExchange,
  assertReceipt,
  assertReturnable,
  assertStep,
  assertWithinPolicy,
  capSettlement,
  claimedBySku,
  exchangeOrder,
  type ReceiptRow,
  type ReturnResolution,
  type ReturnStatus,
  receivedBySku,
  type Settlement,
  type ShippedParcel,
  type SkuQuantity,
  settle,
  shippedBySku,
  storeCreditEntry,
} from '../domain/returns.js';
import type { Deps } from '../runtime/deps.js';
import { partitionItems, stripKeys, type TransactItem } from '../store/db.js';
import { keys } from '../store/keys.js';
import { postJournalEntry } from '../store/ledger.js';
import { getLocation } from '../store/locations.js';
import { type OrderAggregate, requireOrderAggregate, type TimelineEntry, transact } from '../store/orders.js';
import { changeAttributes, withChange } from '../store/outbox.js';
import { type AgentAction, actionTimeline, auditPut, findAction } from './agent-actions.js';
import { ticketIdOfShipment } from './fulfillment.js';
import { adjustStockAndAnnounce } from './inventory.js';
import { toOrderView } from './order-view.js';
import { amountOfLines, capturesOf, listRefunds, refundIdFor, refundOrder } from './payments.js';
import { placeOrder } from './place-order.js';
import { shippedLines } from './select-carrier.js';
import { parcelsForPick } from './shipping.js';

/** A return (RMA) as stored beside its order (`keys.returnRequest`). docs/customer-service.md#returns. */
export interface ReturnRecord {
  /** `rma_<the order id's hex>_<n>`: the order's n-th return, so the id alone finds the partition. */
  id: string;
  orderId: string;
  status: ReturnStatus;
  resolution: ReturnResolution;
  lines: { sku: string; quantity: number; reason?: string }[];
  /** What an exchange sends instead: SKUs of the order, worth no more than what comes back. */
  exchange?: SkuQuantity[];
  /** The exchange's no-charge replacement order, placed when the return is resolved. */
  replacementOrderId?: string;
  /** The day it was requested: the return window is judged on it, however long authorization takes. */
  requestedOn: string;
  /** Where the label sends the parcel, and where restocked units go unless the receipt names another. */
  returnLocationId: string;
  label?: {
    carrier: string;
    service: string;
    trackingNumber: string;
    labelUrl?: string;
    toLocationId: string;
  };
  received?: ReceiptRow[];
  /** Receipt rows (by index) whose stock was already added: a resumed receipt never adds them twice. */
  restocked: Record<string, string>;
  settlement?: Settlement;
  refund?: { id: string; amount: number; journalEntryId: string };
  storeCredit?: { amount: number; journalEntryId: string };
  createdAt: string;
  updatedAt: string;
}

const RMA_ID = /^rma_([0-9a-f]{24})_(\d{1,6})$/;

/** The order a return id belongs to, or undefined for anything that is not a return id. */
const orderIdOfReturn = (rmaId: string): string | undefined => {
  const match = RMA_ID.exec(rmaId);
  return match ? `ord_${match[1]}` : undefined;
};

/** What the console shows of a return. */
function toReturnView(rma: ReturnRecord, timeline: readonly TimelineEntry[]) {
  return {
    id: rma.id,
    orderId: rma.orderId,
    status: rma.status,
    resolution: rma.resolution,
    lines: rma.lines.map((line) => {
      const rows = (rma.received ?? []).filter((row) => row.sku === line.sku);
      return {
        sku: line.sku,
        requested: line.quantity,
        received: rows.reduce((sum, row) => sum + row.quantity, 0),
        ...(line.reason ? { reason: line.reason } : {}),
        receipts: rows.map(({ quantity, condition, disposition, locationId }) => ({
          quantity,
          condition,
          disposition,
          ...(locationId ? { locationId } : {}),
        })),
      };
    }),
    returnLocationId: rma.returnLocationId,
    label: rma.label
      ? { carrier: rma.label.carrier, service: rma.label.service, trackingNumber: rma.label.trackingNumber }
      : null,
    worth: rma.settlement?.worth ?? null,
    restockingFee: rma.settlement?.restockingFee ?? null,
    labelCharge: rma.settlement?.labelCharge ?? null,
    due: rma.settlement?.due ?? null,
    ...(rma.settlement?.cappedBy
      ? { cappedBy: rma.settlement.cappedBy, shortfall: rma.settlement.shortfall ?? 0 }
      : {}),
    refund: rma.refund ? { id: rma.refund.id, amount: rma.refund.amount } : null,
    storeCredit: rma.storeCredit ?? null,
    exchange: rma.exchange ?? null,
    replacementOrderId: rma.replacementOrderId ?? null,
    createdAt: rma.createdAt,
    updatedAt: rma.updatedAt,
    timeline: [...timeline].sort((a, b) => a.at.localeCompare(b.at)),
  };
}
export type ReturnView = ReturnType<typeof toReturnView>;

const viewOf = (item: Record<string, unknown>) =>
  toReturnView(
    stripKeys<ReturnRecord>(item),
    Array.isArray(item.timeline) ? (item.timeline as TimelineEntry[]) : [],
  );

async function returnItems(deps: Deps, orderId: string) {
  return await partitionItems(deps, keys.orderPartition(orderId), { skPrefix: 'RETURN#' });
}

/** The order's returns, oldest first (404 when the order does not exist). */
export async function listOrderReturns(deps: Deps, orderId: string): Promise<ReturnView[]> {
  const _aggregate = await requireOrderAggregate(deps, orderId);
  return (await returnItems(deps, orderId))
    .map(viewOf)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

async function readReturnItem(deps: Deps, rmaId: string): Promise<Record<string, unknown>> {
  const orderId = orderIdOfReturn(rmaId);
  const result = orderId
    ? await deps.db.send(
        new GetCommand({
          TableName: deps.tableName,
          Key: keys.returnRequest(orderId, rmaId),
          ConsistentRead: true,
        }),
      )
    : undefined;
  if (!result?.Item) throw new NotFoundError(`return ${rmaId} does not exist`);
  return result.Item;
}

/** One return as the console shows it (404 for an unknown id). */
export async function getReturn(deps: Deps, rmaId: string): Promise<ReturnView> {
  return viewOf(await readReturnItem(deps, rmaId));
}

/** The answer of every change: the return and the order view after it. */
export interface ReturnOutcome {
  return: ReturnView;
  order: ReturnType<typeof toOrderView>;
  duplicate: boolean;
}

async function outcomeOf(deps: Deps, rmaId: string, duplicate: boolean): Promise<ReturnOutcome> {
  const rma = await getReturn(deps, rmaId);
  const aggregate = await requireOrderAggregate(deps, rma.orderId);
  return { return: rma, order: toOrderView(aggregate), duplicate };
}

/** The order's shipments as the rules see them: origin, ship day and what left (the units picked). */
function parcelsOf(aggregate: OrderAggregate): ShippedParcel[] {
  return aggregate.shipments.flatMap((shipment) => {
    const ticket = aggregate.pickTickets.find((row) => row.id === ticketIdOfShipment(shipment));
    if (!ticket) return [];
    return [
      {
        locationId: shipment.locationId,
        shipDay: shipment.shipDate ?? shipment.createdAt.slice(0, 10),
        lines: shippedLines(ticket).map(({ sku, quantity }) => ({ sku, quantity })),
      },
    ];
  });
}

const RETURNABLE_ORDER = ['shipped', 'partially_shipped', 'completed'];

/** The order's unit price per SKU: what an exchange is valued at (assertEvenExchange). */
const unitPricesOf = (order: Pick<OrderAggregate['order'], 'lines'>) =>
  new Map(order.lines.map((line) => [line.sku, line.unitPrice]));

export interface ReturnRequest {
  orderId: string;
  lines: { sku: string; quantity: number; reason?: string }[];
  resolution: ReturnResolution;
  /** What to send instead (resolution `exchange`). */
  exchange?: { sku: string; quantity: number }[];
}

/**
 * Opens a return (`requested`). Checked first, nothing written on a refusal: the order shipped, every line
 * shipped and is not already claimed by another return (409/422), and the policy (non-returnable SKUs, the
 * window from the ship date: 422 naming the rule). One transaction writes the return, its timeline line and
 * the audit item; its id is the order's next return number, and the put's condition on that id is what makes
 * two concurrent requests on one order unable to both claim the same units.
 */
export async function requestReturn(
  deps: Deps,
  action: AgentAction,
  input: ReturnRequest,
): Promise<ReturnOutcome> {
  const kind = 'return.requested';
  const request = {
    lines: input.lines,
    resolution: input.resolution,
    ...(input.exchange ? { exchange: input.exchange } : {}),
    reason: action.reason,
  };
  const done = await findAction(deps, action, { orderId: input.orderId, kind, request });
  if (done) return await outcomeOf(deps, String(done.outcome.rmaId), true);
  if (input.resolution === 'exchange' && !input.exchange) {
    throw new UnprocessableError('resolution exchange needs the lines to send instead', {
      field: 'exchange',
    });
  }
  if (input.resolution !== 'exchange' && input.exchange) {
    throw new UnprocessableError('exchange lines are for resolution exchange only', { field: 'exchange' });
  }
  const aggregate = await requireOrderAggregate(deps, input.orderId);
  const { order } = aggregate;
  if (!RETURNABLE_ORDER.includes(order.status)) {
    throw new ConflictError(`order ${order.id} is ${order.status}: only shipped goods can be returned`, {
      status: order.status,
    });
  }
  const existing = (await returnItems(deps, order.id)).map((item) => stripKeys<ReturnRecord>(item));
  const shipped = shippedBySku(parcelsOf(aggregate));
  const now = deps.clock.now().toISOString();
  assertReturnable(input.lines, shipped, claimedBySku(existing));
  assertWithinPolicy(input.lines, shipped, returnPolicy, now.slice(0, 10));
  if (input.exchange) assertEvenExchange(input.lines, input.exchange, unitPricesOf(order), 'requested');
  const firstSku = input.lines[0]?.sku ?? '';
  const rma: ReturnRecord = {
    id: `rma_${order.id.replace(/^ord_/, '')}_${existing.length + 1}`,
    orderId: order.id,
    status: 'requested',
    resolution: input.resolution,
    lines: input.lines,
    ...(input.exchange ? { exchange: input.exchange } : {}),
    requestedOn: now.slice(0, 10),
    returnLocationId: returnPolicy.returnsLocationId ?? shipped.get(firstSku)?.originLocationId ?? '',
    restocked: {},
    createdAt: now,
    updatedAt: now,
  };
  const written = await transact(deps, [
    {
      Put: {
        TableName: deps.tableName,
        Item: {
          ...keys.returnRequest(order.id, rma.id),
          entity: 'Return',
          entityVersion: 1,
          ...rma,
          ...changeAttributes(deps, {
            timeline: [
              actionTimeline(action, 'ReturnRequested', now, {
                rmaId: rma.id,
                lines: rma.lines,
                resolution: rma.resolution,
                ...(rma.exchange ? { exchange: rma.exchange } : {}),
              }),
            ],
          }),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    auditPut(deps, action, { orderId: order.id, kind, at: now, request, outcome: { rmaId: rma.id } }),
  ]);
  if (!written) return await afterLostRace(deps, action, { orderId: order.id, kind, request });
  return await outcomeOf(deps, rma.id, false);
}

/** A transaction whose condition failed: the same action done meanwhile (a duplicate), or another won. */
async function afterLostRace(
  deps: Deps,
  action: AgentAction,
  input: { orderId: string; kind: string; request: unknown },
): Promise<ReturnOutcome> {
  const done = await findAction(deps, action, input);
  if (done) return await outcomeOf(deps, String(done.outcome.rmaId), true);
  throw new ConflictError(`the order's returns changed while this ${input.kind} was written; retry`);
}

/** The return, its order, and the answer to a retried action (undefined when the action is new). */
async function begin(deps: Deps, action: AgentAction, rmaId: string, kind: string, request: unknown) {
  const rma = stripKeys<ReturnRecord>(await readReturnItem(deps, rmaId));
  const done = await findAction(deps, action, { orderId: rma.orderId, kind, request });
  return { rma, duplicate: done ? await outcomeOf(deps, rmaId, true) : undefined };
}

/** One status step of a return with its timeline lines and audit item, in one transaction. */
async function stepReturn(
  deps: Deps,
  action: AgentAction,
  step: { rma: ReturnRecord; kind: string; request: unknown; from: ReturnStatus; to: ReturnStatus },
  set: Record<string, unknown>,
  timeline: TimelineEntry[],
  also: TransactItem[] = [],
): Promise<ReturnOutcome> {
  const { rma } = step;
  const now = deps.clock.now().toISOString();
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = { ':to': step.to, ':from': step.from, ':now': now };
  const sets = ['#status = :to', 'updatedAt = :now'];
  Object.entries(set).forEach(([name, value], index) => {
    names[`#s${index}`] = name;
    values[`:s${index}`] = value;
    sets.push(`#s${index} = :s${index}`);
  });
  const written = await transact(deps, [
    {
      Update: withChange(
        deps,
        {
          TableName: deps.tableName,
          Key: keys.returnRequest(rma.orderId, rma.id),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
        { timeline },
      ),
    },
    ...also,
    auditPut(deps, action, {
      orderId: rma.orderId,
      kind: step.kind,
      at: now,
      request: step.request,
      outcome: { rmaId: rma.id, status: step.to },
    }),
  ]);
  if (!written) return await afterLostRace(deps, action, { orderId: rma.orderId, ...step });
  return await outcomeOf(deps, rma.id, false);
}

/**
 * Authorizes a requested return: the policy is checked again on the day it was requested (the list of
 * non-returnable SKUs may have changed: 422 naming the rule), then the prepaid label is bought from the
 * customer's address to the return location under a key derived from the return (a retry buys the same
 * label), then one transaction moves the return to `authorized` with the label.
 */
export async function authorizeReturn(
  deps: Deps,
  action: AgentAction,
  rmaId: string,
): Promise<ReturnOutcome> {
  const kind = 'return.authorized';
  const request = { rmaId, reason: action.reason };
  const { rma, duplicate } = await begin(deps, action, rmaId, kind, request);
  if (duplicate) return duplicate;
  assertStep('authorize', rma.status, rma.id);
  const aggregate = await requireOrderAggregate(deps, rma.orderId);
  assertWithinPolicy(rma.lines, shippedBySku(parcelsOf(aggregate)), returnPolicy, rma.requestedOn);
  const destination = await getLocation(deps, rma.returnLocationId);
  if (!destination) {
    throw new UnprocessableError(`return location ${rma.returnLocationId} does not exist`, {
      field: 'returnLocationId',
    });
  }
  const { parcels } = await parcelsForPick(deps, { lines: rma.lines });
  const { carrier, service } = returnPolicy.label;
  const address = aggregate.order.shippingAddress;
  const bought = await deps.carriers.createLabel({
    idempotencyKey: `return-label:${rma.id}`,
    carrier,
    service,
    fromPostalCode: address.postalCode,
    toPostalCode: destination.address.postalCode,
    toCountry: destination.address.country,
    weightGrams: poundsToGrams(parcels.reduce((sum, parcel) => sum + parcel.weightLb, 0)),
  });
  const label = {
    carrier,
    service,
    trackingNumber: bought.trackingNumber,
    ...(bought.labelUrl ? { labelUrl: bought.labelUrl } : {}),
    toLocationId: destination.id,
  };
  const now = deps.clock.now().toISOString();
  return await stepReturn(
    deps,
    action,
    { rma, kind, request, from: 'requested', to: 'authorized' },
    { label, authorizedAt: now },
    [
      actionTimeline(action, 'ReturnAuthorized', now, {
        rmaId: rma.id,
        carrier,
        trackingNumber: label.trackingNumber,
        toLocationId: destination.id,
      }),
    ],
  );
}

/** Refuses a requested return (nothing else changes): the customer keeps the goods, nothing is refunded. */
export async function refuseReturn(deps: Deps, action: AgentAction, rmaId: string): Promise<ReturnOutcome> {
  const kind = 'return.refused';
  const request = { rmaId, reason: action.reason };
  const { rma, duplicate } = await begin(deps, action, rmaId, kind, request);
  if (duplicate) return duplicate;
  assertStep('refuse', rma.status, rma.id);
  const now = deps.clock.now().toISOString();
  return await stepReturn(
    deps,
    action,
    { rma, kind, request, from: 'requested', to: 'refused' },
    { refusedAt: now },
    [actionTimeline(action, 'ReturnRefused', now, { rmaId: rma.id })],
  );
}

export interface ReceiptInput {
  sku: string;
  quantity: number;
  condition: ReturnCondition;
  disposition?: ReturnDisposition;
  locationId?: string;
}

/**
 * Books the parcel of an authorized return. Each row is a condition and a disposition (the policy's
 * default for the condition when not given). A restocked row is a `receipt` stock adjustment at its
 * location (default: the return location) whose transaction also marks the row applied on the return, so a
 * resumed receipt never adds stock twice; a written-off row adds no stock and writes no movement (the units
 * never re-entered on-hand: their record is the return's row). Then one transaction moves the return to
 * `received` with the rows and what they settle for (worth, restocking fee, label charge), its timeline line
 * and the audit item.
 */
export async function receiveReturn(
  deps: Deps,
  action: AgentAction,
  rmaId: string,
  lines: readonly ReceiptInput[],
): Promise<ReturnOutcome> {
  const kind = 'return.received';
  const request = { rmaId, lines, reason: action.reason };
  const { rma, duplicate } = await begin(deps, action, rmaId, kind, request);
  if (duplicate) return duplicate;
  assertStep('receive', rma.status, rma.id);
  const rows: ReceiptRow[] = lines.map((line) => {
    const disposition = line.disposition ?? returnPolicy.defaultDisposition[line.condition];
    // A write-off may name where the parcel was received; a restock goes to the return location by default.
    const locationId = line.locationId ?? (disposition === 'restock' ? rma.returnLocationId : undefined);
    return {
      sku: line.sku,
      quantity: line.quantity,
      condition: line.condition,
      disposition,
      ...(locationId ? { locationId } : {}),
    };
  });
  assertReceipt(rma.lines, rows);
  for (const [index, row] of rows.entries()) {
    if (row.locationId && !(await getLocation(deps, row.locationId))) {
      throw new UnprocessableError(`location ${row.locationId} does not exist`, {
        field: `lines[${index}].locationId`,
      });
    }
  }
  const aggregate = await requireOrderAggregate(deps, rma.orderId);
  const { order } = aggregate;
  const settlement = settle(
    rows,
    (received) => amountOfLines(order, received),
    (received) => amountOfLines({ lines: order.lines, totals: { ...order.totals, tax: 0 } }, received),
    returnPolicy,
  );
  for (const [index, row] of rows.entries()) {
    if (row.disposition !== 'restock' || !row.locationId) continue;
    const mark = `${row.sku}@${row.locationId}x${row.quantity}`;
    const applied = rma.restocked[`r${index}`];
    if (applied === mark) continue;
    if (applied !== undefined) {
      throw new ConflictError(
        `row ${index} of return ${rma.id} was restocked as ${applied} by another receipt`,
        {
          field: `lines[${index}]`,
        },
      );
    }
    await restockRow(deps, rma, index, row, mark);
  }
  const now = deps.clock.now().toISOString();
  return await stepReturn(
    deps,
    action,
    { rma, kind, request, from: 'authorized', to: 'received' },
    { received: rows, settlement, receivedAt: now },
    [
      actionTimeline(action, 'ReturnReceived', now, {
        rmaId: rma.id,
        lines: rows,
        worth: settlement.worth,
        restockingFee: settlement.restockingFee,
      }),
    ],
  );
}

/** One restocked row: the stock receipt and the row's mark on the return, in one transaction. */
async function restockRow(deps: Deps, rma: ReturnRecord, index: number, row: ReceiptRow, mark: string) {
  try {
    await adjustStockAndAnnounce(deps, {
      locationId: row.locationId ?? rma.returnLocationId,
      sku: row.sku,
      type: 'receipt',
      quantity: row.quantity,
      reason: `return ${rma.id} (${row.condition})`,
      reference: rma.id,
      alsoWrite: [
        {
          Update: {
            TableName: deps.tableName,
            Key: keys.returnRequest(rma.orderId, rma.id),
            UpdateExpression: 'SET restocked.#row = :mark',
            ConditionExpression: '#status = :authorized AND attribute_not_exists(restocked.#row)',
            ExpressionAttributeNames: { '#status': 'status', '#row': `r${index}` },
            ExpressionAttributeValues: { ':mark': mark, ':authorized': 'authorized' },
          },
        },
      ],
    });
  } catch (error) {
    if (!(error instanceof ConflictError && error.details?.companion)) throw error;
    const fresh = stripKeys<ReturnRecord>(await readReturnItem(deps, rma.id));
    if (fresh.status === 'authorized' && fresh.restocked[`r${index}`] === mark) return;
    throw new ConflictError(`return ${rma.id} is ${fresh.status}: its receipt was booked by another request`);
  }
}

/** The journal entry id of a return's store credit, fixed so a retry posts it once. */
const storeCreditEntryId = (orderId: string, rmaId: string) =>
  `je_${orderId.replace(/^ord_/, '')}_credit_${rmaId}`;

/**
 * Settles a received return as it was requested, then closes it:
 * - `refund`: what is due (worth − restocking fee − label charge) through refundOrder under a key derived
 *   from the return, so a retry refunds once; the gateway returns the money and the accounting consumer
 *   posts the reversal from PaymentRefunded;
 * - `store_credit`: a balanced entry (sales returns and tax payable debited, store credit liability credited)
 *   posted under a fixed id, and the customer's credit item (`CUSTOMER#<email hash>` / `STORECREDIT#<rma>`)
 *   written in the transaction that closes the return;
 * - `exchange`: the no-charge replacement order (exchangeReturn).
 * A refund or credit is capped at what the customer still has paid (paidAndNotGivenBack, capSettlement):
 * after goodwill refunds it pays what is left and records the shortfall on the settlement. One due nothing
 * (a customer-paid label larger than its worth, or nothing left paid) closes with nothing paid.
 */
export async function resolveReturn(deps: Deps, action: AgentAction, rmaId: string): Promise<ReturnOutcome> {
  const kind = 'return.resolved';
  const request = { rmaId, reason: action.reason };
  const { rma, duplicate } = await begin(deps, action, rmaId, kind, request);
  if (duplicate) return duplicate;
  assertStep('resolve', rma.status, rma.id);
  const aggregate = await requireOrderAggregate(deps, rma.orderId);
  if (!rma.settlement) throw new ConflictError(`return ${rma.id} was received without a settlement`);
  const { order } = aggregate;
  const now = deps.clock.now().toISOString();
  const closed = actionTimeline(action, 'ReturnClosed', now, { rmaId: rma.id, resolution: rma.resolution });
  if (rma.resolution === 'exchange') {
    return await exchangeReturn(deps, action, { rma, order, kind, request, now, closed });
  }
  const settlement = capSettlement(rma.settlement, await paidAndNotGivenBack(deps, aggregate, rma.id));
  const { due } = settlement;
  const capped = settlement.cappedBy
    ? { settlement, cap: { cappedBy: settlement.cappedBy, shortfall: settlement.shortfall } }
    : { settlement: rma.settlement, cap: {} };
  if (due === 0) {
    return await stepReturn(
      deps,
      action,
      { rma, kind, request, from: 'received', to: 'closed' },
      { settlement: capped.settlement, closedAt: now },
      [{ ...closed, detail: { ...closed.detail, ...capped.cap } }],
    );
  }
  if (rma.resolution === 'refund') {
    const { refund } = await refundOrder(deps, {
      orderId: order.id,
      amount: due,
      // Fixed, not the agent's words: a retry after a crash must ask the very same refund.
      reason: `return ${rma.id}`,
      idempotencyKey: `return:${rma.id}`,
    });
    const summary = { id: refund.id, amount: refund.amount, journalEntryId: refund.journalEntryId };
    return await stepReturn(
      deps,
      action,
      { rma, kind, request, from: 'received', to: 'closed' },
      { settlement: capped.settlement, refund: summary, closedAt: now },
      [
        actionTimeline(action, 'ReturnRefunded', now, {
          rmaId: rma.id,
          refundId: refund.id,
          amount: refund.amount,
          restockingFee: rma.settlement.restockingFee,
          ...capped.cap,
        }),
        closed,
      ],
    );
  }
  const entry = storeCreditEntry({
    id: storeCreditEntryId(order.id, rma.id),
    postedAt: now,
    currency: order.currency,
    orderId: order.id,
    rmaId: rma.id,
    settlement,
    salesReturnsAccount: returnPolicy.salesReturnsAccount,
  });
  await postJournalEntry(deps, order.id, entry);
  const storeCredit = { amount: due, journalEntryId: entry.id };
  const customer = emailHash(order.customer.email);
  return await stepReturn(
    deps,
    action,
    { rma, kind, request, from: 'received', to: 'closed' },
    { settlement: capped.settlement, storeCredit, closedAt: now },
    [
      actionTimeline(action, 'ReturnCredited', now, {
        rmaId: rma.id,
        amount: due,
        journalEntryId: entry.id,
        restockingFee: rma.settlement.restockingFee,
        ...capped.cap,
      }),
      closed,
    ],
    [
      {
        Put: {
          TableName: deps.tableName,
          Item: {
            ...keys.storeCredit(customer, rma.id),
            entity: 'StoreCredit',
            entityVersion: 1,
            rmaId: rma.id,
            orderId: order.id,
            currency: order.currency,
            amount: due,
            journalEntryId: entry.id,
            createdAt: now,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ],
  );
}

/**
 * What the customer has paid for the order and not been given back, the most a return may still pay out:
 * captured − refunded (goodwill and other returns' refunds alike) − store credit given for the order's other
 * returns. A retry of this return's refund, already reserved, answers that refund's amount so the same refund
 * is asked again (refundOrder refuses the same key with another amount).
 */
async function paidAndNotGivenBack(deps: Deps, aggregate: OrderAggregate, rmaId: string): Promise<number> {
  const { order } = aggregate;
  const [refunds, returns] = await Promise.all([listRefunds(deps, order.id), returnItems(deps, order.id)]);
  const own = refunds.find((refund) => refund.id === refundIdFor(order.id, `return:${rmaId}`));
  if (own) return own.amount;
  const captured = capturesOf(aggregate).reduce((sum, capture) => sum + capture.amount, 0);
  const refunded = Math.max(
    order.payment.refunded,
    refunds.reduce((sum, refund) => sum + refund.amount, 0),
  );
  const credited = returns
    .map((item) => stripKeys<ReturnRecord>(item))
    .filter((other) => other.id !== rmaId)
    .reduce((sum, other) => sum + (other.storeCredit?.amount ?? 0), 0);
  return captured - refunded - credited;
}

/**
 * Resolves an exchange: checks again that the units received are worth at least the exchange at the order's
 * unit prices (a unit that never came back buys no replacement: 422 naming `exchange`), places the
 * no-charge replacement order through the normal intake (placeOrder: same customer and address, every line
 * discounted in full, total 0, so allocation asks no authorization and billing captures nothing; its own
 * timeline's first agent line names the return), then closes the return with `replacementOrderId`. The
 * replacement's id is derived from the return's, so a retry after a crash between the two writes finds the
 * order placed (a duplicate) and only closes the return. No refund and no ledger entry: the original sale
 * stands for the goods the customer keeps, and the returned units went back to stock at receipt.
 */
async function exchangeReturn(
  deps: Deps,
  action: AgentAction,
  step: {
    rma: ReturnRecord;
    order: OrderAggregate['order'];
    kind: string;
    request: unknown;
    now: string;
    closed: TimelineEntry;
  },
): Promise<ReturnOutcome> {
  const { rma, order, now } = step;
  const exchange = rma.exchange ?? [];
  assertEvenExchange(receivedBySku(rma.received ?? []), exchange, unitPricesOf(order), 'received');
  const placed = await placeOrder(deps, {
    order: exchangeOrder(order, rma.id, exchange, now),
    timeline: [
      actionTimeline(action, 'ExchangeOrderPlaced', now, {
        rmaId: rma.id,
        originalOrderId: order.id,
        lines: exchange,
      }),
    ],
  });
  return await stepReturn(
    deps,
    action,
    { rma, kind: step.kind, request: step.request, from: 'received', to: 'closed' },
    { replacementOrderId: placed.orderId, closedAt: now },
    [
      actionTimeline(action, 'ReturnExchanged', now, {
        rmaId: rma.id,
        replacementOrderId: placed.orderId,
        lines: exchange,
      }),
      step.closed,
    ],
  );
}

/** A customer's store credit balance per currency: the sum of their credit items (email hash partition). */
export async function storeCreditBalance(deps: Deps, email: string): Promise<Record<string, number>> {
  const items = await partitionItems(deps, keys.storeCredit(emailHash(email), '').pk, {
    skPrefix: 'STORECREDIT#',
  });
  const balance: Record<string, number> = {};
  for (const item of items) {
    const currency = String(item.currency);
    balance[currency] = (balance[currency] ?? 0) + Number(item.amount ?? 0);
  }
  return balance;
}
