import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { pascalCase } from '../../infra/constructs/nag.js';
import { OmsStack } from '../../infra/oms-stack.js';
import { functions } from '../../shared/config/functions.js';
import { envNames } from '../../shared/config/resources.js';
import { WEBHOOK_RULE_NAME, webhookRulePattern } from '../../shared/config/webhooks.js';

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON.
type Resource = { Type: string; Properties: { [key: string]: any } };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/**
 * Outbound webhooks in the stack: the rule that feeds the webhooks queue is deployed routing nothing, and
 * only the functions that hold 'webhook-rule:update' may re-point it, on that rule alone; only the dispatcher
 * may send to the webhooks queue.
 */
describe('Given the OMS stack with outbound webhooks', () => {
  let resources: Record<string, Resource>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  const functionOf = (name: string): Resource => {
    const spec = functions.find((f) => f.name === name);
    const found = ofType('AWS::Lambda::Function').find(
      ([, r]) => r.Properties.Description === `${spec?.context}: ${spec?.name}`,
    );
    if (!found) throw new Error(`no function ${name}`);
    return found[1];
  };
  const statementsOf = (name: string): Statement[] => {
    const role = functionOf(name).Properties.Role['Fn::GetAtt'][0] as string;
    return ofType('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: role }]))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
  };
  const resourcesFor = (name: string, action: string) =>
    statementsOf(name)
      .filter((s) => s.Effect === 'Allow' && asList(s.Action).includes(action))
      .flatMap((s) => asList(s.Resource));

  beforeAll(() => {
    const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
      context?: Record<string, unknown>;
    };
    const app = new App({
      context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] },
      builtinCloudFormationValidation: false,
    });
    resources = Template.fromStack(new OmsStack(app, 'Oms')).toJSON().Resources;
  });

  const ruleId = () => {
    const found = ofType('AWS::Events::Rule').find(([id]) =>
      id.startsWith(`Events${pascalCase(WEBHOOK_RULE_NAME)}`),
    );
    if (!found) throw new Error('no webhooks rule');
    return found[0];
  };
  const webhooksQueueId = () => {
    const found = ofType('AWS::SQS::Queue').find(([id]) => id.startsWith('EventsWebhooksQueue'));
    if (!found) throw new Error('no webhooks queue');
    return found[0];
  };

  it('deploys the webhooks rule routing nothing, into the webhooks queue', () => {
    const rule = resources[ruleId()] as Resource;
    expect(rule.Properties.EventPattern).toEqual(webhookRulePattern([]));
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [webhooksQueueId(), 'Arn'] } }),
    ]);
  });

  it('lets exactly the functions with webhook-rule:update call PutRule, on that rule only, and tells them its ARN', () => {
    for (const spec of functions) {
      const granted = resourcesFor(spec.name, 'events:PutRule');
      if (spec.permissions.includes('webhook-rule:update')) {
        expect(granted, spec.name).toEqual([{ 'Fn::GetAtt': [ruleId(), 'Arn'] }]);
        expect(
          functionOf(spec.name).Properties.Environment.Variables[envNames.webhookRuleArn],
          spec.name,
        ).toEqual({
          'Fn::GetAtt': [ruleId(), 'Arn'],
        });
      } else {
        expect(granted, spec.name).toEqual([]);
      }
    }
    expect(
      functions
        .filter((f) => f.permissions.includes('webhook-rule:update'))
        .map((f) => f.name)
        .sort(),
    ).toEqual(['create-webhook-subscription', 'deliver-webhooks', 'update-webhook-subscription']);
  });

  it('lets only the dispatcher send to the webhooks queue (its retries), and no other queue', () => {
    const queueArn = { 'Fn::GetAtt': [webhooksQueueId(), 'Arn'] };
    for (const spec of functions) {
      const sends = resourcesFor(spec.name, 'sqs:SendMessage');
      if (spec.permissions.includes('webhook-retry:send')) {
        expect(sends, spec.name).toEqual([queueArn]);
        expect(functionOf(spec.name).Properties.Environment.Variables[envNames.webhookQueueUrl]).toEqual({
          Ref: webhooksQueueId(),
        });
      } else {
        expect(sends, spec.name).not.toContainEqual(queueArn);
      }
    }
  });
});
