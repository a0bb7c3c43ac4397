import { WEBHOOK_RULE_NAME, webhookRulePattern } from '../../shared/config/webhooks.js';
import type { EventRouting } from '../../shared/ports/event-routing.js';
import type { LocalEventBus } from '../event-bus.js';

/** The in-process bus's webhooks rule, re-pointed as PutRule re-points the deployed one. */
export class LocalEventRouting implements EventRouting {
  constructor(
    private readonly bus: Pick<LocalEventBus, 'setRulePattern'>,
    /** Each PutRule the AWS adapter would make (the meter records it). */
    private readonly onPutRule: () => void = () => undefined,
  ) {}

  async setWebhookEventTypes(eventTypes: readonly string[]): Promise<void> {
    this.bus.setRulePattern(WEBHOOK_RULE_NAME, webhookRulePattern(eventTypes));
    this.onPutRule();
  }
}
