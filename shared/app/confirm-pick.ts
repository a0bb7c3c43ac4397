import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { comparePick, type PickLine, type PickOutcome } from '../domain/pick.js';
import { TaskTokenExpiredError } from '../ports/workflow.js';
import type { Deps } from '../runtime/deps.js';
import { writeIfCondition } from '../store/db.js';
import { keys } from '../store/keys.js';
import { findPickTicket, getOrderRecord, listPickTickets, type PickTicketRecord } from '../store/orders.js';
import { withChange } from '../store/outbox.js';
import { startShipping } from './place-order.js';

export interface ConfirmPickResult {
  pickTicketId: string;
  orderId: string;
  status: 'confirmed' | 'short';
  duplicate: boolean;
  /** Tickets of the same order still waiting for their confirmation. */
  waitingFor: string[];
  lines: PickOutcome['lines'];
}

/**
 * Records what a location picked. The workflow's wait completes when the order's last ticket is answered:
 * all full picks let the order ship, any short pick fails the wait (the workflow releases the stock). A
 * repeated confirmation with the same lines is answered as before and re-sends the callback, so a lost
 * response never strands the order.
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
    const waitingFor = await completeIfLast(deps, ticket, true);
    return {
      pickTicketId: ticket.id,
      orderId: ticket.orderId,
      status,
      duplicate: true,
      waitingFor,
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
  // One write: the ticket's new state and its timeline line. The confirmation is the warehouse's own news,
  // so no event goes to the bus; the order's next state (shipped) is announced by billing.
  const written = await writeIfCondition(
    deps,
    new UpdateCommand(
      withChange(
        deps,
        {
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
        {
          timeline: [
            {
              type: outcome.short ? 'PickShort' : 'PickConfirmed',
              at: now,
              detail: { pickTicketId: ticket.id, lines: outcome.lines },
            },
          ],
        },
      ),
    ),
  );
  if (!written) {
    // A concurrent confirmation won; answer from what it stored.
    return await confirmPick(deps, input);
  }
  const waitingFor = await completeIfLast(deps, ticket, false);
  return {
    pickTicketId: ticket.id,
    orderId: ticket.orderId,
    status,
    duplicate: false,
    waitingFor,
    lines: outcome.lines,
  };
}

/**
 * Sends the workflow its answer once no ticket of the order is open: all full picks end the wait and start
 * the Express shipping run (select carrier, bill, notify), any short pick fails the wait (the workflow
 * releases the stock). Two last tickets confirmed at the same moment may both answer; Step Functions takes
 * the first and refuses the second, which is expected here. A repeat (the answer or the start was lost)
 * answers again and starts the run again. Express runs are not deduplicated by name, so two runs of one order
 * can happen; every shipping step is idempotent (label and capture by key, writes by condition).
 */
async function completeIfLast(deps: Deps, ticket: PickTicketRecord, repeat: boolean): Promise<string[]> {
  const tickets = await listPickTickets(deps, ticket.orderId);
  const open = tickets.filter((row) => row.status === 'open').map((row) => row.id);
  if (open.length > 0) return open;
  const short = tickets.filter((row) => row.status === 'short');
  try {
    if (short.length > 0) {
      await deps.taskCallbacks.fail(
        ticket.taskToken,
        'PickShortError',
        `short pick on ${short
          .flatMap((row) => (row.picked ?? []).filter((line) => line.picked < line.ordered))
          .map((line) => `${line.sku} ${line.picked}/${line.ordered}`)
          .join(', ')}`,
      );
      return [];
    }
    await deps.taskCallbacks.succeed(ticket.taskToken, {
      pickTicketIds: tickets.map((row) => row.id),
      lines: tickets.flatMap((row) => row.picked ?? []),
    });
  } catch (error) {
    if (!(error instanceof TaskTokenExpiredError)) throw error;
    // Already answered (a repeat, or the order's other last ticket) is expected; a wait that timed out and
    // failed the order is not.
    const order = await getOrderRecord(deps, ticket.orderId);
    if (!((repeat || tickets.length > 1) && order?.status !== 'failed')) {
      throw new ConflictError(`pick ticket ${ticket.id} expired: the workflow stopped waiting for it`);
    }
    if (short.length > 0 || order?.status !== 'picking') return [];
  }
  const order = await getOrderRecord(deps, ticket.orderId);
  if (order) await startShipping(deps, order);
  return [];
}
