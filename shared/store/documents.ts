import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DocumentType } from '../domain/documents.js';
import type { Deps } from '../runtime/deps.js';
import { partitionItems, stripKeys, writeIfCondition } from './db.js';
import { keys } from './keys.js';

/** An issued document: the PDF in the bucket, this row in the order's partition (docs/paperwork.md). */
export interface DocumentRecord {
  id: string;
  orderId: string;
  type: DocumentType;
  shipmentId?: string;
  pickTicketId?: string;
  /** Object key in the bucket. */
  key: string;
  contentType: 'application/pdf';
  size: number;
  /** Hex SHA-256 of the stored bytes. */
  sha256: string;
  /** The document's own date (packing, ship date): also its PDF creation date. */
  documentDate: string;
  retainUntil: string;
  retentionMode: 'COMPLIANCE' | 'GOVERNANCE';
  createdAt: string;
}

const documentKey = (orderId: string, documentId: string) => ({
  pk: keys.orderPartition(orderId),
  sk: `DOCUMENT#${documentId}`,
});

const recordOf = (item: Record<string, unknown>): DocumentRecord => stripKeys<DocumentRecord>(item);

export async function getDocument(
  deps: Deps,
  orderId: string,
  documentId: string,
): Promise<DocumentRecord | undefined> {
  const result = await deps.db.send(
    new GetCommand({
      TableName: deps.tableName,
      Key: documentKey(orderId, documentId),
      ConsistentRead: true,
    }),
  );
  return result.Item ? recordOf(result.Item) : undefined;
}

/** Write-once: false when a row already stands for this document (it was issued before). */
export async function putDocument(deps: Deps, record: DocumentRecord): Promise<boolean> {
  return await writeIfCondition(
    deps,
    new PutCommand({
      TableName: deps.tableName,
      Item: { ...documentKey(record.orderId, record.id), entity: 'Document', entityVersion: 1, ...record },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

/** An order's documents, by id. */
export async function listDocuments(deps: Deps, orderId: string): Promise<DocumentRecord[]> {
  // Consistent: a document issued a moment ago is listed.
  const items = await partitionItems(deps, keys.orderPartition(orderId), { skPrefix: 'DOCUMENT#' });
  return items.map(recordOf);
}
