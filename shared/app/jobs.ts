import { assertBalanced, type JournalEntry } from '../domain/ledger.js';
import { formatMinorUnits } from '../domain/money.js';
import type { Deps } from '../runtime/deps.js';
import { batchGet, indexKeys } from '../store/db.js';
import { gsi2 } from '../store/keys.js';
import type { LedgerExportRecord } from '../store/ledger-exports.js';
import { exportLedgerPeriod } from './ledger-export.js';
import { type ReorderRun, runReorder } from './reorder.js';

const csvCell = (value: string | number): string => {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};
const csv = (rows: (string | number)[][]): string =>
  `${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;

const yesterday = (now: Date) => new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);

/**
 * The reorder job (schedule `reorder`, and `POST /jobs/reorder`): drafts, and for suppliers that allow it
 * sends, purchase orders for everything at or below its reorder point (shared/app/reorder.ts). It writes
 * `reorders/<day>.csv`, one row per SKU and location looked at, and `reorders/<day>.json` with every
 * evaluation and its explanation; a second run the same day overwrites both.
 */
export async function proposeReorders(
  deps: Deps,
  input: { send?: boolean } = {},
): Promise<{ proposals: number; uri: string; jsonUri: string; run: ReorderRun }> {
  const run = await runReorder(deps, input);
  const day = run.generatedAt.slice(0, 10);
  const orderOf = new Map(
    run.purchaseOrders.flatMap((order) =>
      order.lines.map((line) => [`${line.sku}@${line.locationId}`, order.id] as const),
    ),
  );
  const { uri } = await deps.objects.put(
    `reorders/${day}.csv`,
    csv([
      [
        'sku',
        'location_id',
        'supplier_id',
        'position',
        'reorder_point',
        'order_quantity',
        'purchase_order_id',
        'reason',
      ],
      ...run.evaluations.map((e) => [
        e.sku,
        e.locationId,
        e.supplierId,
        e.position.total,
        e.reorderPoint,
        e.orderQuantity,
        orderOf.get(`${e.sku}@${e.locationId}`) ?? '',
        e.explanation,
      ]),
    ]),
    'text/csv',
  );
  const { uri: jsonUri } = await deps.objects.put(
    `reorders/${day}.json`,
    `${JSON.stringify(run, null, 2)}\n`,
    'application/json',
  );
  return {
    proposals: run.evaluations.filter((evaluation) => evaluation.reorder).length,
    uri,
    jsonUri,
    run,
  };
}

/**
 * One day's journal as a CSV finance can import: a row per journal line, amounts as decimals of the entry's
 * currency. Entries are read in posting order, so re-running the export for a day writes the same file.
 * The same day is then exported in every finance format (shared/app/ledger-export.ts).
 */
export async function exportLedger(
  deps: Deps,
  input: { day?: string } = {},
): Promise<{ uri: string; entries: number; period: LedgerExportRecord }> {
  const day = input.day ?? yesterday(deps.clock.now());
  // The ledger index projects keys only: the day's keys in posting order, then the entries themselves.
  const postings = await indexKeys(deps, 'gsi2', gsi2.ledgerDay(day));
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
        entry.links.orderId ?? '',
        entry.memo,
      ]);
    }
  }
  const { uri } = await deps.objects.put(`exports/ledger/${day}.csv`, csv(rows), 'text/csv');
  // The same day for QuickBooks Online, Xero, NetSuite and Parquet (docs/exports.md).
  const period = await exportLedgerPeriod(deps, { from: day, to: day });
  return { uri, entries: entries.length, period };
}
