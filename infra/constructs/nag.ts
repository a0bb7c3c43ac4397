import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * How cdk-nag names a resource's `Fn::GetAtt` inside a finding id (e.g. `Resource::<Table1234.Arn>/*`).
 * Deriving it keeps acknowledgements exact without hard-coding logical ids.
 */
export function attributeReference(resource: IConstruct, attribute: 'Arn' | 'Name' = 'Arn'): string {
  const element = resource.node.defaultChild as CfnElement | undefined;
  if (!element) throw new Error(`${resource.node.path} has no CloudFormation resource to reference`);
  return `<${Stack.of(resource).getLogicalId(element)}.${attribute}>`;
}

/** Acknowledges one cdk-nag AwsSolutions finding on `scope` and everything below it. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-${id}`, reason });
}

/** `receive-shopify-webhook` → `ReceiveShopifyWebhook`, for construct ids. */
export function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
