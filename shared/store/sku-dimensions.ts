import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Deps } from '../runtime/deps.js';
import { batchGet } from './db.js';
import { keys } from './keys.js';

/** Per-unit shipping weight and size of a SKU, as packed on its own (docs/shipping.md). */
export interface SkuDimensionsRecord {
  sku: string;
  lengthIn: number;
  widthIn: number;
  heightIn: number;
  weightLb: number;
  updatedAt: string;
}

const pick = (item: Record<string, unknown>): SkuDimensionsRecord => {
  const { sku, lengthIn, widthIn, heightIn, weightLb, updatedAt } = item as unknown as SkuDimensionsRecord;
  return { sku, lengthIn, widthIn, heightIn, weightLb, updatedAt };
};

/** Replaces a SKU's dimensions (a PUT: the same body twice leaves the same item). */
export async function putSkuDimensions(deps: Deps, record: SkuDimensionsRecord): Promise<void> {
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: { ...keys.skuDimensions(record.sku), entity: 'SkuDimensions', entityVersion: 1, ...record },
    }),
  );
}

export async function getSkuDimensions(deps: Deps, sku: string): Promise<SkuDimensionsRecord | undefined> {
  const result = await deps.db.send(
    new GetCommand({ TableName: deps.tableName, Key: keys.skuDimensions(sku) }),
  );
  return result.Item ? pick(result.Item) : undefined;
}

/** The recorded dimensions of several SKUs, by SKU: one BatchGetItem per 100 (SKUs without any are absent). */
export async function skuDimensionsFor(
  deps: Deps,
  skus: readonly string[],
): Promise<Map<string, SkuDimensionsRecord>> {
  if (skus.length === 0) return new Map();
  const items = await batchGet(
    deps,
    skus.map((sku) => keys.skuDimensions(sku)),
  );
  return new Map(items.map((item) => pick(item)).map((record) => [record.sku, record]));
}
