/**
 * The single table, declared once. The CDK stack (infra/constructs/data.ts) and the local runtime
 * (local/dynamodb.ts) both build the table from this object, so the key schema cannot drift.
 * Access patterns are listed in docs/data-model.md.
 */
export const tableDefinition = {
  /** Physical name used by the local runtime; on AWS CloudFormation names the table. */
  localName: 'oms',
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  globalSecondaryIndexes: [
    /** Lookups by a secondary identifier: customer email, pick ticket id. */
    { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    /** Orders by status, newest first. */
    { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  ],
} as const;

export type IndexName = (typeof tableDefinition.globalSecondaryIndexes)[number]['indexName'];
