import { ConflictError, NotFoundError } from '../domain/errors.js';
import { comparePick, type PickLine, type PickOutcome } from '../domain/pick.js';
import { PickConfirmed } from '../events/catalogue.js';
import { TaskTokenExpiredError } from '../ports/workflow.js';
import type { Deps } from '../runtime/deps.js';
import { keys } from '../store/keys.js';
import {
  findPickTicket,
  getOrderRecord,
  type PickTicketRecord,
  timelineItem,
  transact,
} from '../store/orders.js';

export interface ConfirmPickResult {
  pickTicketId: string;
  orderId: string;
  status: 'confirmed' | 'short';
  duplicate: boolean;
  lines: PickOutcome['lines'];
}

/**
 * Records what the warehouse picked and completes the workflow's wait: a full pick lets the order ship, a
 * short pick fails the wait (the workflow releases the stock). A repeated confirmation with the same lines is
 * answered as before and re-sends the callback, so a lost response never strands the order.
 */
export async function confirmPick(
  deps: Deps,
  input: { pickTicketId: string; lines: PickLine[] },
): Promise<ConfirmPickResult> {
  const ticket = await findPickTicket(deps, input.pickTicketId);
  if (!ticket) throw new NotFoundError(`pick ticket ${input.pickTicketId} does not exist`);
  const outcome = comparePick(ticket.lines, input.lines);
  const status = outcome.short ? 'short' : 'confirmed';

  if (ticket.status !== 'open') {
    const same =
      ticket.status === status && JSON.stringify(ticket.picked ?? []) === JSON.stringify(outcome.lines);
    if (!same) {
      throw new ConflictError(
        `pick ticket ${ticket.id} was already ${ticket.status} with different quantities`,
      );
    }
    await complete(deps, ticket, outcome, true);
    return {
      pickTicketId: ticket.id,
      orderId: ticket.orderId,
      status,
      duplicate: true,
      lines: outcome.lines,
    };
  }

  const order = await getOrderRecord(deps, ticket.orderId);
  if (order?.status !== 'picking') {
    throw new ConflictError(
      `order ${ticket.orderId} is ${order?.status ?? 'missing'}; the pick ticket can no longer be confirmed`,
    );
  }
  const now = deps.clock.now().toISOString();
  const written = await transact(deps, [
    {
      Update: {
        TableName: deps.tableName,
        Key: keys.pickTicket(ticket.orderId, ticket.id),
        UpdateExpression: 'SET #status = :status, picked = :picked, confirmedAt = :now',
        ConditionExpression: '#status = :open',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': status,
          ':picked': outcome.lines,
          ':now': now,
          ':open': 'open',
        },
      },
    },
    timelineItem(deps, ticket.orderId, {
      type: outcome.short ? 'PickShort' : 'PickConfirmed',
      at: now,
      detail: { pickTicketId: ticket.id, lines: outcome.lines },
    }),
  ]);
  if (!written) {
    // A concurrent confirmation won; answer from what it stored.
    return await confirmPick(deps, input);
  }
  await deps.events.publish([
    PickConfirmed.create(
      { orderId: ticket.orderId, pickTicketId: ticket.id, short: outcome.short, lines: outcome.lines },
      {
        correlationId: order.correlationId,
        idempotencyKey: `${ticket.orderId}:pick:${ticket.id}`,
        occurredAt: deps.clock.now(),
      },
    ),
  ]);
  await complete(deps, ticket, outcome, false);
  return { pickTicketId: ticket.id, orderId: ticket.orderId, status, duplicate: false, lines: outcome.lines };
}

async function complete(deps: Deps, ticket: PickTicketRecord, outcome: PickOutcome, repeat: boolean) {
  try {
    if (outcome.short) {
      await deps.taskCallbacks.fail(
        ticket.taskToken,
        'PickShortError',
        `short pick on ${ticket.id}: ${outcome.lines
          .filter((line) => line.picked < line.ordered)
          .map((line) => `${line.sku} ${line.picked}/${line.ordered}`)
          .join(', ')}`,
      );
    } else {
      await deps.taskCallbacks.succeed(ticket.taskToken, {
        pickTicketId: ticket.id,
        locationId: ticket.locationId,
        lines: outcome.lines,
      });
    }
  } catch (error) {
    // On a repeat the first callback has normally been taken already: that is the expected answer.
    if (error instanceof TaskTokenExpiredError) {
      if (repeat) return;
      throw new ConflictError(`pick ticket ${ticket.id} expired: the workflow stopped waiting for it`);
    }
    throw error;
  }
}
