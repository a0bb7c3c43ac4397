/**
 * Pick ticket timing (docs/fulfillment.md). A ticket not confirmed by its due time is escalated by the
 * reconciler (every 15 minutes) and its stock re-routed, so the Standard workflow's own wait
 * (statemachines/order-fulfillment.asl.json, `TimeoutSeconds`) must be longer than the due time plus one
 * reconciler period: the escalation answers the wait before it can time out and fail the order.
 */
export const DEFAULT_PICK_DUE_SECONDS = 4 * 3600;

/** Seconds a location has to confirm a pick ticket; `OMS_PICK_DUE_SECONDS` overrides the 4 hours. */
export function pickDueSeconds(): number {
  const configured = Number(process.env.OMS_PICK_DUE_SECONDS);
  return Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_PICK_DUE_SECONDS;
}
