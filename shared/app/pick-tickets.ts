import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { renderPdf } from '../documents/pdf.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { type PackedCarton, sameCartons, withCartonIds } from '../domain/pick.js';
import type { Deps } from '../runtime/deps.js';
import { getLocation } from '../store/inventory.js';
import { keys } from '../store/keys.js';
import { findPickTicket, getOrderAggregate, type PickTicketRecord } from '../store/orders.js';
import { openTicketsAt, putBin } from '../store/pick-tickets.js';
import { issueDocument } from './documents.js';
import { billedTickets } from './fulfillment.js';

/** A pick ticket as the API shows it (the workflow's task token stays inside). */
export type PickTicketView = Omit<PickTicketRecord, 'taskToken'>;

export const ticketView = ({ taskToken: _token, ...ticket }: PickTicketRecord): PickTicketView => ticket;

export async function getPickTicket(deps: Deps, ticketId: string): Promise<PickTicketRecord> {
  const ticket = await findPickTicket(deps, ticketId);
  if (!ticket) throw new NotFoundError(`pick ticket ${ticketId} does not exist`);
  return ticket;
}

/** A location's queue: its open tickets, earliest due first. */
export async function listOpenPickTickets(deps: Deps, locationId: string): Promise<PickTicketView[]> {
  if (!(await getLocation(deps, locationId)))
    throw new NotFoundError(`location ${locationId} does not exist`);
  return (await openTicketsAt(deps, locationId)).map(ticketView);
}

/** Sets where a SKU sits at a location; the next tickets there list it in that bin's walk order. */
export async function setBin(deps: Deps, input: { locationId: string; sku: string; bin: string }) {
  if (!(await getLocation(deps, input.locationId)))
    throw new NotFoundError(`location ${input.locationId} does not exist`);
  await putBin(deps, input.locationId, input.sku, input.bin);
  return { locationId: input.locationId, sku: input.sku, bin: input.bin };
}

/**
 * The printable pick ticket: location, order, due time and the lines in walk order (bin, SKU, quantity,
 * a box to tick). Rendered from the stored ticket each time; the same ticket gives the same bytes.
 */
export async function pickTicketPdf(deps: Deps, ticketId: string): Promise<Uint8Array> {
  const ticket = await getPickTicket(deps, ticketId);
  const location = await getLocation(deps, ticket.locationId);
  const aggregate = await getOrderAggregate(deps, ticket.orderId);
  const order = aggregate?.order;
  const names = new Map((order?.lines ?? []).map((line) => [line.sku, line.name ?? '']));
  return await renderPdf({
    title: `Pick ticket ${ticket.id}`,
    subtitle: `${location?.name ?? ticket.locationId} (${ticket.locationId}) · order ${order?.orderNumber ?? ticket.orderId}`,
    sections: [
      {
        heading: 'Ticket',
        lines: [
          `Order: ${ticket.orderId}`,
          `Status: ${ticket.status}`,
          `Opened: ${ticket.createdAt}`,
          ...(ticket.dueAt ? [`Due: ${ticket.dueAt}`] : []),
          ...(ticket.rerouteOf ? [`Re-routed from: ${ticket.rerouteOf}`] : []),
          `Units: ${ticket.lines.reduce((sum, line) => sum + line.quantity, 0)}`,
        ],
      },
      {
        heading: 'Lines (walk order)',
        table: {
          columns: ['Bin', 'SKU', 'Description', 'Quantity', 'Picked'],
          rows: ticket.lines.map((line) => [
            line.bin ?? '(no bin)',
            line.sku,
            names.get(line.sku) ?? '',
            String(line.quantity),
            '',
          ]),
        },
      },
    ],
    metadata: {
      subject: `Pick ticket ${ticket.id} for order ${ticket.orderId}`,
      creationDate: ticket.createdAt,
      'pick-ticket-id': ticket.id,
    },
  });
}

/**
 * Records the cartons a ticket was packed in. The same cartons again is a no-op; different ones replace
 * them until the ticket's shipment is billed (the goods left), then they are a 409. After recording, the
 * packing slip is issued for the ticket (write-once, so a repeat issues nothing new).
 */
export async function packPickTicket(
  deps: Deps,
  input: { pickTicketId: string; cartons: (Omit<PackedCarton, 'id'> & { id?: string })[] },
): Promise<{ pickTicketId: string; cartons: PackedCarton[]; duplicate: boolean; packingSlip?: string }> {
  const ticket = await getPickTicket(deps, input.pickTicketId);
  const cartons = withCartonIds(input.cartons);
  if (ticket.status === 'escalated') {
    throw new ConflictError(`pick ticket ${ticket.id} was escalated; its stock was re-routed`);
  }
  const duplicate = ticket.cartons !== undefined && sameCartons(ticket.cartons, cartons);
  if (!duplicate) {
    const aggregate = await getOrderAggregate(deps, ticket.orderId);
    // Once the ticket's shipment is billed the goods left in the recorded cartons: they no longer change.
    if (ticket.cartons !== undefined && aggregate && billedTickets(aggregate).has(ticket.id)) {
      throw new ConflictError(`pick ticket ${ticket.id} already shipped with other cartons`);
    }
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.pickTicket(ticket.orderId, ticket.id),
        UpdateExpression: 'SET cartons = :cartons, packedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':cartons': cartons, ':now': deps.clock.now().toISOString() },
      }),
    );
  }
  let packingSlip: string | undefined;
  if (ticket.status === 'confirmed' || ticket.status === 'short') {
    const document = await issueDocument(deps, {
      orderId: ticket.orderId,
      pickTicketId: ticket.id,
      type: 'packing-slip',
    });
    packingSlip = (document as { id?: string }).id;
  }
  return {
    pickTicketId: ticket.id,
    cartons,
    duplicate,
    ...(packingSlip ? { packingSlip } : {}),
  };
}
