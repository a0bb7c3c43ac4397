import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * How cdk-nag spells a resource in a finding id, e.g. `<Table1234.Arn>/index/*` or
 * `arn:aws:ssm:eu-west-1:<AWS::AccountId>:parameter/x/*`. The spelling depends on the stack's environment
 * and on logical ids, so acknowledgements derive it from the very value the policy uses (cdk-nag's own
 * flattenCfnReference is not exported).
 */
export function nagResource(scope: IConstruct, value: string): string {
  const visit = (node: unknown): string => {
    if (node === undefined) return '';
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
    if (typeof node === 'object' && node !== null) {
      const [key, args] = Object.entries(node)[0] ?? [];
      if (key === 'Fn::Join') {
        const [delimiter, items] = args as [string, unknown[]];
        return items.map(visit).join(delimiter);
      }
      if (key === 'Fn::Sub' || key === 'Fn::ImportValue') return visit(args);
      if (key === 'Fn::GetAtt') {
        const [resource, attribute] = args as [unknown, unknown];
        return `<${visit(resource)}.${visit(attribute)}>`;
      }
      if (key === 'Ref') return `<${visit(args)}>`;
    }
    return JSON.stringify(node);
  };
  return visit(Stack.of(scope).resolve(value));
}

/**
 * Acknowledges one AwsSolutions finding on `scope` and what is below it. The `AwsSolutions::` prefix is the
 * id CDK's validation report asks for; the report then lists the finding as suppressed, with this reason.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-${id}`, reason });
}

/** Acknowledges an IAM5 wildcard finding for one resource (as the policy names it) on `scope`. */
export function acknowledgeWildcard(scope: IConstruct, resource: string, reason: string): void {
  acknowledge(scope, `IAM5[Resource::${nagResource(scope, resource)}]`, reason);
}

/** `receive-shopify-webhook` → `ReceiveShopifyWebhook`, for construct ids. */
export function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
