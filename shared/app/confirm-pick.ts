import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { comparePick, type PackedCarton, type PickLine, type PickOutcome } from '../domain/pick.js';
import type { Deps } from '../runtime/deps.js';
import { writeIfCondition } from '../store/db.js';
import { keys } from '../store/keys.js';
import { findPickTicket, getOrderRecord } from '../store/orders.js';
import { withChange } from '../store/outbox.js';
import { issueDocument } from './documents.js';
import { advanceOrder, answerShort } from './fulfillment.js';

export interface ConfirmPickResult {
  pickTicketId: string;
  orderId: string;
  status: 'confirmed' | 'short';
  duplicate: boolean;
  /** Tickets of the same order still waiting for their confirmation. */
  waitingFor: string[];
  lines: PickOutcome['lines'];
  /** A short pick: where the units not picked went (new tickets) and what waits for stock. */
  remainder?: { reroutedTo: string[]; backordered: PickLine[] };
}

/**
 * Records what a location picked. A full pick is one conditional write of the ticket. A short pick also
 * releases the units not picked and re-routes them to another location (a new ticket) or backorders them,
 * in the same transaction, and what was picked goes on to ship. The allocation's tickets answer the Standard
 * workflow once none of them is open; a re-routed ticket starts its own shipping run (docs/fulfillment.md).
 * A repeated confirmation with the same lines is answered as before and re-sends the answer, so a lost
 * response never strands the order.
 */
export async function confirmPick(
  deps: Deps,
  input: { pickTicketId: string; lines: PickLine[]; cartons?: PackedCarton[] },
): Promise<ConfirmPickResult> {
  const ticket = await findPickTicket(deps, input.pickTicketId);
  if (!ticket) throw new NotFoundError(`pick ticket ${input.pickTicketId} does not exist`);
  const outcome = comparePick(ticket.lines, input.lines);
  const status: 'confirmed' | 'short' = outcome.short ? 'short' : 'confirmed';
  const answer = (duplicate: boolean, waitingFor: string[], remainder = ticket.remainder) => ({
    pickTicketId: ticket.id,
    orderId: ticket.orderId,
    status,
    duplicate,
    waitingFor,
    lines: outcome.lines,
    ...(status === 'short' && remainder ? { remainder } : {}),
  });

  if (ticket.status !== 'open') {
    const same =
      ticket.status === status && JSON.stringify(ticket.picked ?? []) === JSON.stringify(outcome.lines);
    if (!same) {
      throw new ConflictError(
        ticket.status === 'escalated'
          ? `pick ticket ${ticket.id} was escalated after its due time; its stock was re-routed`
          : `pick ticket ${ticket.id} was already ${ticket.status} with different quantities`,
      );
    }
    const waitingFor = await advanceOrder(deps, {
      orderId: ticket.orderId,
      ticketId: ticket.id,
      repeat: true,
    });
    if (input.cartons) await issuePackingSlip(deps, ticket);
    return answer(true, waitingFor);
  }

  if (outcome.short) {
    const result = await answerShort(deps, {
      ticket,
      outcome,
      mode: 'short',
      ...(input.cartons ? { cartons: input.cartons } : {}),
    });
    // A concurrent confirmation won, or an agent's change rewrote the ticket: answer from what is stored now.
    if (result.outcome === 'already-answered') return await confirmPick(deps, input);
    const waitingFor = await advanceOrder(deps, {
      orderId: ticket.orderId,
      ticketId: ticket.id,
      repeat: false,
    });
    if (input.cartons) await issuePackingSlip(deps, ticket);
    return answer(false, waitingFor, { reroutedTo: result.reroutedTo, backordered: result.backordered });
  }

  const order = await getOrderRecord(deps, ticket.orderId);
  if (order?.status !== 'picking' && order?.status !== 'partially_shipped') {
    throw new ConflictError(
      `order ${ticket.orderId} is ${order?.status ?? 'missing'}; the pick ticket can no longer be confirmed`,
    );
  }
  const now = deps.clock.now().toISOString();
  // One write: the ticket's new state and its timeline line; it leaves its location's queue. The
  // confirmation is the warehouse's own news, so no event goes to the bus; billing announces the shipment.
  const written = await writeIfCondition(
    deps,
    new UpdateCommand(
      withChange(
        deps,
        {
          TableName: deps.tableName,
          Key: keys.pickTicket(ticket.orderId, ticket.id),
          UpdateExpression: `SET #status = :status, picked = :picked, confirmedAt = :now${
            input.cartons ? ', cartons = :cartons, packedAt = :now' : ''
          } REMOVE gsi2pk, gsi2sk`,
          // Open, and with the lines the pick was compared with: an agent's change committed since the read
          // fails this write, and the confirmation is compared again with the ticket as it now is.
          ConditionExpression: '#status = :open AND #lines = :readLines',
          ExpressionAttributeNames: { '#status': 'status', '#lines': 'lines' },
          ExpressionAttributeValues: {
            ':status': status,
            ':picked': outcome.lines,
            ':now': now,
            ':open': 'open',
            ':readLines': ticket.lines,
            ...(input.cartons ? { ':cartons': input.cartons } : {}),
          },
        },
        {
          timeline: [
            { type: 'PickConfirmed', at: now, detail: { pickTicketId: ticket.id, lines: outcome.lines } },
          ],
        },
      ),
    ),
  );
  // Another confirmation (a duplicate: answered as before) or an agent's change (compared again) came first.
  if (!written) return await confirmPick(deps, input);
  const waitingFor = await advanceOrder(deps, {
    orderId: ticket.orderId,
    ticketId: ticket.id,
    repeat: false,
  });
  if (input.cartons) await issuePackingSlip(deps, ticket);
  return answer(false, waitingFor);
}

/**
 * Cartons came with the confirmation: the ticket is packed, so its packing slip is issued (write-once: a
 * repeated confirmation returns the same document, and a failure here is retried with the confirmation).
 */
async function issuePackingSlip(deps: Deps, ticket: { id: string; orderId: string }) {
  await issueDocument(deps, { orderId: ticket.orderId, pickTicketId: ticket.id, type: 'packing-slip' });
}
