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
  /**
   * Both indexes project keys only: an index entry is then rewritten only when its keys move, never when an
   * order's other attributes change, and each entry stays far under 1 KB. Readers take the keys and fetch
   * the items with BatchGetItem (shared/store/db.ts). See docs/decisions/0006-cost-per-order.md.
   */
  globalSecondaryIndexes: [
    /** Lookups by a secondary identifier: customer email, the location list. */
    { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'KEYS_ONLY' },
    /** Orders by status, by the time they entered it; journal entries by posting day. */
    { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'KEYS_ONLY' },
  ],
} as const;

export type IndexName = (typeof tableDefinition.globalSecondaryIndexes)[number]['indexName'];
