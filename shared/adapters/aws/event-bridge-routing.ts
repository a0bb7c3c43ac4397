import { type EventBridgeClient, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { eventRules } from '../../config/event-rules.js';
import { WEBHOOK_RULE_NAME, webhookRulePattern } from '../../config/webhooks.js';
import type { EventRouting } from '../../ports/event-routing.js';

/**
 * The webhooks rule's pattern by PutRule on that one rule (its ARN comes from OMS_WEBHOOK_RULE_ARN; the role
 * may call PutRule on it and on nothing else). PutRule replaces every property it is given and clears the
 * ones it is not, so the description and state are sent again with the new pattern; the rule's target (the
 * webhooks queue) is not a property of PutRule and stays.
 */
export class EventBridgeRouting implements EventRouting {
  private readonly name: string;
  private readonly busName: string;

  /** `ruleArn`: arn:aws:events:<region>:<account>:rule/<bus>/<rule>. */
  constructor(
    private readonly client: EventBridgeClient,
    ruleArn: string,
  ) {
    const [, path = ''] = ruleArn.split(':rule/');
    const parts = path.split('/');
    this.name = parts.pop() ?? '';
    this.busName = parts.join('/') || 'default';
  }

  async setWebhookEventTypes(eventTypes: readonly string[]): Promise<void> {
    if (!this.name) throw new Error('no webhook rule is configured (OMS_WEBHOOK_RULE_ARN)');
    const description = eventRules.find((rule) => rule.name === WEBHOOK_RULE_NAME)?.description;
    await this.client.send(
      new PutRuleCommand({
        Name: this.name,
        EventBusName: this.busName,
        EventPattern: JSON.stringify(webhookRulePattern(eventTypes)),
        State: 'ENABLED',
        ...(description ? { Description: description } : {}),
      }),
    );
  }
}
