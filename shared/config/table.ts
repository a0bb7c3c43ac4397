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
   * Every index projects keys only: an index entry is then rewritten only when its keys move, never when an
   * order's other attributes change, and each entry stays far under 1 KB. Readers take the keys and fetch
   * the items with BatchGetItem (shared/store/db.ts). See docs/decisions/0006-cost-per-order.md.
   */
  globalSecondaryIndexes: [
    /** Lookups by a secondary identifier: customer email, the location list. */
    { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'KEYS_ONLY' },
    /** Orders by status, by the time they entered it; journal entries by posting day. */
    { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'KEYS_ONLY' },
    /**
     * Orders by the customer's phone (its last 10 digits), for the agents' search, newest first. Written once,
     * when the order is placed (one write unit), never by a status change: its keys do not move. The sort
     * key is the order's gsi1sk (`<createdAt>#<id>`, set at intake, never changed), not an attribute of its
     * own: the order item, rewritten by every step, stays 60 bytes smaller.
     */
    { indexName: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi1sk', projection: 'KEYS_ONLY' },
    /** Orders by the number the channel shows the customer (`#1001`), for the agents' search; like gsi3. */
    { indexName: 'gsi4', partitionKey: 'gsi4pk', sortKey: 'gsi1sk', projection: 'KEYS_ONLY' },
  ],
} as const;

export type IndexName = (typeof tableDefinition.globalSecondaryIndexes)[number]['indexName'];
