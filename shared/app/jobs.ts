import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { assertBalanced, type JournalEntry } from '../domain/ledger.js';
import { formatMinorUnits } from '../domain/money.js';
import { ORDER_STATUSES } from '../domain/order.js';
import type { Deps } from '../runtime/deps.js';
import { batchGet, type ItemKey } from '../store/db.js';
import type { StockRecord } from '../store/inventory.js';
import { gsi2 } from '../store/keys.js';
import { countOrdersInStatus } from '../store/order-index.js';

const csvCell = (value: string | number): string => {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};
const csv = (rows: (string | number)[][]): string =>
  `${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;

const yesterday = (now: Date) => new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);

/** Until suppliers and demand history land (scheduled-jobs issue): reorder to a fixed target below a fixed point. */
export const DEFAULT_REORDER_POINT = 5;
export const DEFAULT_TARGET_STOCK = 20;

export async function proposeReorders(deps: Deps): Promise<{ proposals: number; uri: string }> {
  const rows: StockRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new ScanCommand({
        TableName: deps.tableName,
        FilterExpression: 'entity = :stock',
        ExpressionAttributeValues: { ':stock': 'Stock' },
        ExclusiveStartKey: startKey,
      }),
    );
    rows.push(...((page.Items ?? []) as StockRecord[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const proposals = rows
    .filter((row) => row.available <= DEFAULT_REORDER_POINT)
    .sort((a, b) => a.sku.localeCompare(b.sku) || a.locationId.localeCompare(b.locationId))
    .map((row) => ({
      sku: row.sku,
      locationId: row.locationId,
      available: row.available,
      quantity: DEFAULT_TARGET_STOCK - row.available,
      reason: `available ${row.available} ≤ reorder point ${DEFAULT_REORDER_POINT}; order up to ${DEFAULT_TARGET_STOCK}`,
    }));
  const day = deps.clock.now().toISOString().slice(0, 10);
  const { uri } = await deps.objects.put(
    `reorders/${day}.csv`,
    csv([
      ['sku', 'location_id', 'available', 'order_quantity', 'reason'],
      ...proposals.map((p) => [p.sku, p.locationId, p.available, p.quantity, p.reason]),
    ]),
    'text/csv',
  );
  return { proposals: proposals.length, uri };
}

export async function buildDailyReport(
  deps: Deps,
): Promise<{ uri: string; ordersByStatus: Record<string, number> }> {
  const ordersByStatus: Record<string, number> = {};
  for (const status of ORDER_STATUSES) ordersByStatus[status] = await countOrdersInStatus(deps, status);
  const now = deps.clock.now();
  const report = { generatedAt: now.toISOString(), ordersByStatus };
  const { uri } = await deps.objects.put(
    `reports/daily/${now.toISOString().slice(0, 10)}.json`,
    JSON.stringify(report, null, 2),
    'application/json',
  );
  return { uri, ordersByStatus };
}

/**
 * One day's journal as a CSV finance can import: a row per journal line, amounts as decimals of the entry's
 * currency. Entries are read in posting order, so re-running the export for a day writes the same file.
 */
export async function exportLedger(
  deps: Deps,
  input: { day?: string } = {},
): Promise<{ uri: string; entries: number }> {
  const day = input.day ?? yesterday(deps.clock.now());
  // The ledger index projects keys only: the day's keys in posting order, then the entries themselves.
  const postings: ItemKey[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': gsi2.ledgerDay(day) },
        ExclusiveStartKey: startKey,
      }),
    );
    postings.push(...((page.Items ?? []) as ItemKey[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const entries = (await batchGet(deps, postings)) as unknown as JournalEntry[];
  const rows: (string | number)[][] = [
    ['entry_id', 'posted_at', 'account', 'debit', 'credit', 'currency', 'order_id', 'memo'],
  ];
  for (const entry of entries) {
    assertBalanced(entry);
    for (const line of entry.lines) {
      rows.push([
        entry.id,
        entry.postedAt,
        line.account,
        formatMinorUnits(line.debit, entry.currency),
        formatMinorUnits(line.credit, entry.currency),
        entry.currency,
        entry.links.orderId,
        entry.memo,
      ]);
    }
  }
  const { uri } = await deps.objects.put(`exports/ledger/${day}.csv`, csv(rows), 'text/csv');
  return { uri, entries: entries.length };
}
