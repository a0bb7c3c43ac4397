import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { carrierServices, defaultUnitWeightGrams } from '../config/carriers.js';
import { carriersToAvoid, type DisruptionSpec, promiseOf, servicesAvoiding } from '../domain/disruptions.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { rateShop } from '../domain/rate-shopping.js';
import type { Deps } from '../runtime/deps.js';
import { writeIfCondition } from '../store/db.js';
import { activeCarrierOutages } from '../store/disruptions.js';
import { getLocation } from '../store/inventory.js';
import { keys } from '../store/keys.js';
import { getOrderAggregate, type ShipmentRecord } from '../store/orders.js';
import { changeAttributes } from '../store/outbox.js';

/** Rate-shops one shipment per allocated location and buys its label; a repeat returns the same shipments. */
export async function selectCarrier(
  deps: Deps,
  input: { orderId: string },
): Promise<{ shipments: ShipmentRecord[] }> {
  const aggregate = await getOrderAggregate(deps, input.orderId);
  if (!aggregate) throw new NotFoundError(`order ${input.orderId} does not exist`);
  const { order } = aggregate;
  if (order.status !== 'picking') {
    if (aggregate.shipments.length > 0) return { shipments: aggregate.shipments };
    throw new ConflictError(`order ${order.id} is ${order.status}; only picked orders ship`);
  }
  const picked = aggregate.pickTickets.filter((ticket) => ticket.status === 'confirmed');
  const shipments: ShipmentRecord[] = [];
  // Carrier outages active now (docs/disruptions.md): one index query per invocation, made only when a
  // label is bought.
  let outages: DisruptionSpec[] | undefined;
  for (const ticket of picked) {
    const existing = aggregate.shipments.find((shipment) => shipment.locationId === ticket.locationId);
    if (existing) {
      shipments.push(existing);
      continue;
    }
    const origin = await getLocation(deps, ticket.locationId);
    if (!origin) throw new NotFoundError(`location ${ticket.locationId} does not exist`);
    const units = ticket.lines.reduce((sum, line) => sum + line.quantity, 0);
    const now = deps.clock.now();
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
    const { chosen, options } = rateShop({
      services: servicesAvoiding(carrierServices, avoid),
      fromPostalCode: origin.address.postalCode,
      toPostalCode: order.shippingAddress.postalCode,
      weightGrams: units * defaultUnitWeightGrams,
      shipDate: now,
      // The promise a disruption moved, else the one given at placing.
      promiseDate: new Date(promiseOf(order)),
    });
    const label = await deps.carriers.createLabel({
      idempotencyKey: `label:${order.id}:${ticket.locationId}`,
      carrier: chosen.carrier,
      service: chosen.service,
      fromPostalCode: origin.address.postalCode,
      toPostalCode: order.shippingAddress.postalCode,
      toCountry: order.shippingAddress.country,
      weightGrams: units * defaultUnitWeightGrams,
    });
    const shipment: ShipmentRecord = {
      id: `sh_${ticket.id.replace(/^pt_/, '')}`,
      locationId: ticket.locationId,
      carrier: chosen.carrier,
      service: chosen.service,
      trackingNumber: label.trackingNumber,
      // Carrier rates are kept in USD cents; multi-currency rate cards come with the logistics issue.
      cost: chosen.cost,
      currency: 'USD',
      estimatedDelivery: chosen.estimatedDelivery,
      options,
      createdAt: now.toISOString(),
    };
    // One conditional put: the shipment and its timeline line. Carrier, service and tracking number reach
    // the bus with OrderShipped, when the goods actually leave.
    const written = await writeIfCondition(
      deps,
      new PutCommand({
        TableName: deps.tableName,
        Item: {
          ...keys.shipment(order.id, shipment.id),
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
    if (!written) return await selectCarrier(deps, input);
    shipments.push(shipment);
  }
  if (shipments.length === 0) throw new ConflictError(`order ${order.id} has no confirmed pick to ship`);
  return { shipments };
}
