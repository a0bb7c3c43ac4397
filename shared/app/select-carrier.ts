import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { carrierPreference, carrierRateCards } from '../config/carriers.js';
import { carriersToAvoid, type DisruptionSpec, promiseOf, servicesAvoiding } from '../domain/disruptions.js';
import { isCrossBorder } from '../domain/documents.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../domain/errors.js';
import { isResidential, poundsToGrams, shopRates } from '../domain/rate-shopping.js';
import type { Deps } from '../runtime/deps.js';
import { writeIfCondition } from '../store/db.js';
import { activeCarrierOutages } from '../store/disruptions.js';
import { getLocation } from '../store/inventory.js';
import { gsi1, keys } from '../store/keys.js';
import { getOrderAggregate, type PickTicketRecord, type ShipmentRecord } from '../store/orders.js';
import { changeAttributes } from '../store/outbox.js';
import { issueDocument } from './documents.js';
import { hasPicked } from './fulfillment.js';
import { parcelsForPick } from './shipping.js';

/** Rate-shops one shipment per allocated location and buys its label; a repeat returns the same shipments. */
export async function selectCarrier(
  deps: Deps,
  input: { orderId: string; pickTicketIds?: string[] },
): Promise<{ shipments: ShipmentRecord[] }> {
  const aggregate = await getOrderAggregate(deps, input.orderId);
  if (!aggregate) throw new NotFoundError(`order ${input.orderId} does not exist`);
  const { order } = aggregate;
  // The run ships the tickets it was started for (docs/fulfillment.md); without them (runs started before
  // partial shipments), every ticket picked in full.
  const picked = aggregate.pickTickets
    .filter((ticket) =>
      input.pickTicketIds
        ? input.pickTicketIds.includes(ticket.id) && hasPicked(ticket)
        : ticket.status === 'confirmed',
    )
    .map((ticket) => ({ ...ticket, lines: shippedLines(ticket) }));
  const ofRun = (shipment: ShipmentRecord) =>
    picked.some((ticket) => shipment.pickTicketId === ticket.id || shipment.id === shipmentIdOf(ticket.id));
  if (order.status !== 'picking' && order.status !== 'partially_shipped') {
    const recorded = aggregate.shipments.filter(ofRun);
    if (recorded.length > 0) return { shipments: recorded };
    throw new ConflictError(`order ${order.id} is ${order.status}; only picked orders ship`);
  }
  const shipments: ShipmentRecord[] = [];
  // Carrier outages active now (docs/disruptions.md): one index query per invocation, made only when a
  // label is bought.
  let outages: DisruptionSpec[] | undefined;
  for (const ticket of picked) {
    const existing = aggregate.shipments.find(
      (shipment) => shipment.pickTicketId === ticket.id || shipment.id === shipmentIdOf(ticket.id),
    );
    if (existing) {
      shipments.push(existing);
      continue;
    }
    const now = deps.clock.now();
    if (order.fulfillment?.type === 'pickup') {
      // Buy online, pick up in store: the goods wait at the counter, so no rate shopping and no label.
      const shipment = pickupShipment(ticket, order.currency, now);
      if (!(await recordShipment(deps, order.id, shipment, false))) return await selectCarrier(deps, input);
      shipments.push(shipment);
      continue;
    }
    const origin = await getLocation(deps, ticket.locationId);
    if (!origin) throw new NotFoundError(`location ${ticket.locationId} does not exist`);
    // Cartons recorded at packing when the pick ticket has them, else an estimate from SKU dimensions.
    const { parcels } = await parcelsForPick(deps, ticket);
    outages ??= await activeCarrierOutages(deps, now);
    const avoid = carriersToAvoid({
      outages,
      ...(order.avoidCarriers ? { recorded: order.avoidCarriers } : {}),
      at: now,
      origin: {
        locationId: origin.id,
        postalCode: origin.address.postalCode,
        ...(origin.address.coordinates ? { coordinates: origin.address.coordinates } : {}),
      },
      destination: { postalCode: order.shippingAddress.postalCode },
    });
    // docs/shipping.md: rate cards, the origin's cut-off in its time zone, each carrier's holidays.
    const quote = shopRates({
      rateCards: servicesAvoiding(carrierRateCards, avoid),
      preference: carrierPreference,
      origin: {
        postalCode: origin.address.postalCode,
        cutoffTime: origin.cutoffTime,
        ...(origin.timeZone ? { timeZone: origin.timeZone } : {}),
      },
      destination: {
        postalCode: order.shippingAddress.postalCode,
        country: order.shippingAddress.country,
        residential: isResidential(order.shippingAddress),
      },
      parcels,
      at: now,
      // The promise a disruption moved, else the one given at placing.
      promiseDate: promiseOf(order),
    });
    const { chosen } = quote;
    if (!chosen?.breakdown || chosen.total === undefined || !chosen.estimatedDelivery) {
      throw new UnprocessableError(
        `no carrier service can take the shipment of ${ticket.id}: ${quote.options.map((option) => `${option.carrier} ${option.service}: ${option.reason}`).join('; ')}`,
      );
    }
    // Compact on the shipment item, which is billed by the kilobyte: zone, transit and on-time follow from
    // these (`reason` is `meets-promise` exactly when an option was kept), the full quote is one API away.
    const options = quote.options.map((option) => ({
      carrier: option.carrier,
      service: option.service,
      ...(option.total === undefined ? {} : { cost: option.total }),
      ...(option.estimatedDelivery ? { estimatedDelivery: option.estimatedDelivery } : {}),
      reason: option.reasonCode,
    }));
    const label = await deps.carriers.createLabel({
      // An allocation's ticket keeps the per-location key; a re-routed one can share a location, so its own.
      idempotencyKey:
        ticket.firstWave === false
          ? `label:${order.id}:${ticket.id}`
          : `label:${order.id}:${ticket.locationId}`,
      carrier: chosen.carrier,
      service: chosen.service,
      fromPostalCode: origin.address.postalCode,
      toPostalCode: order.shippingAddress.postalCode,
      toCountry: order.shippingAddress.country,
      weightGrams: poundsToGrams(parcels.reduce((sum, parcel) => sum + parcel.weightLb, 0)),
    });
    const shipment: ShipmentRecord = {
      id: shipmentIdOf(ticket.id),
      locationId: ticket.locationId,
      pickTicketId: ticket.id,
      carrier: chosen.carrier,
      service: chosen.service,
      trackingNumber: label.trackingNumber,
      cost: chosen.total,
      currency: chosen.currency,
      estimatedDelivery: chosen.estimatedDelivery,
      ...(chosen.shipDate ? { shipDate: chosen.shipDate } : {}),
      billableWeightLb: chosen.billableWeightLb,
      breakdown: {
        base: chosen.breakdown.base,
        surcharges: chosen.breakdown.surcharges,
        fuel: chosen.breakdown.fuel.amount,
      },
      ...(quote.meetsPromise ? {} : { missesPromise: true }),
      options,
      createdAt: now.toISOString(),
    };
    // Cross-border: the commercial invoice first (docs/paperwork.md), so a recorded shipment always has one.
    if (isCrossBorder(origin.address.country, order.shippingAddress.country)) {
      await issueDocument(deps, { orderId: order.id, type: 'commercial-invoice', shipment });
    }
    if (!(await recordShipment(deps, order.id, shipment, true))) return await selectCarrier(deps, input);
    shipments.push(shipment);
  }
  if (shipments.length === 0) throw new ConflictError(`order ${order.id} has no confirmed pick to ship`);
  return { shipments };
}

/**
 * One conditional put: the shipment and its timeline line (false when it was already recorded). Carrier,
 * service and tracking number reach the bus with OrderShipped, when the goods actually leave. A parcel is
 * indexed by tracking number for the freight audit (keys only: one index write with the put).
 */
async function recordShipment(
  deps: Deps,
  orderId: string,
  shipment: ShipmentRecord,
  byTracking: boolean,
): Promise<boolean> {
  return await writeIfCondition(
    deps,
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.shipment(orderId, shipment.id),
        ...(byTracking
          ? { gsi1pk: gsi1.shipmentTracking(shipment.trackingNumber), gsi1sk: shipment.id }
          : {}),
        entity: 'Shipment',
        entityVersion: 1,
        ...shipment,
        ...changeAttributes(deps, {
          timeline: [
            {
              type: 'CarrierSelected',
              at: shipment.createdAt,
              detail: {
                carrier: shipment.carrier,
                service: shipment.service,
                trackingNumber: shipment.trackingNumber,
              },
            },
          ],
        }),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

/** The carrier name of a pickup order's "shipment": handed over at the store's counter, free. */
export const STORE_PICKUP = 'store-pickup';

function pickupShipment(ticket: PickTicketRecord, currency: string, now: Date): ShipmentRecord {
  const id = shipmentIdOf(ticket.id);
  return {
    id,
    locationId: ticket.locationId,
    pickTicketId: ticket.id,
    carrier: STORE_PICKUP,
    service: 'customer-pickup',
    // No carrier tracks it: the shipment id is what the store's counter looks the parcel up by.
    trackingNumber: id,
    cost: 0,
    currency,
    estimatedDelivery: now.toISOString(),
    options: [],
    createdAt: now.toISOString(),
  };
}

/** A ticket's shipment: one per pick ticket. */
export const shipmentIdOf = (pickTicketId: string) => `sh_${pickTicketId.replace(/^pt_/, '')}`;

/** What leaves with a ticket's shipment: the units picked (a short pick ships what it found). */
export function shippedLines(ticket: PickTicketRecord): PickTicketRecord['lines'] {
  if (!ticket.picked) return ticket.lines;
  return ticket.lines
    .map((line) => ({ ...line, quantity: ticket.picked?.find((p) => p.sku === line.sku)?.picked ?? 0 }))
    .filter((line) => line.quantity > 0);
}
