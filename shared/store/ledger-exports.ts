import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { JournalEntry } from '../domain/ledger.js';
import type { CurrencyTotals, ExportFormat } from '../domain/ledger-export.js';
import type { Deps } from '../runtime/deps.js';
import { batchGet, stripKeys } from './db.js';
import { gsi2, keys } from './keys.js';
import { entryOf } from './ledger.js';

/**
 * The journal of a period, page by page, in posting order: for each UTC day, one page of the ledger index
 * (keys only, `gsi2sk = <postedAt>#<entryId>`, so postedAt then entry id) and one BatchGet of those
 * entries. Nothing but the current page is held, whatever the period's size.
 */
export async function* journalPages(
  deps: Pick<Deps, 'db' | 'tableName'>,
  days: readonly string[],
  pageSize: number,
): AsyncGenerator<JournalEntry[]> {
  for (const day of days) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await deps.db.send(
        new QueryCommand({
          TableName: deps.tableName,
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :pk',
          ExpressionAttributeValues: { ':pk': gsi2.ledgerDay(day) },
          ExclusiveStartKey: startKey,
          Limit: pageSize,
        }),
      );
      const postings = (page.Items ?? []).map((item) => ({ pk: String(item.pk), sk: String(item.sk) }));
      if (postings.length > 0) {
        const items = await batchGet(deps, postings);
        yield items.map(entryOf);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}

export interface ExportedFile {
  format: ExportFormat;
  key: string;
  uri: string;
  /** Data rows (journal lines), the header not counted. */
  rows: number;
  bytes: number;
  /** Xero files are per currency (and split at its line limit). */
  currency?: string;
}

export interface LedgerExportRecord {
  from: string;
  to: string;
  formats: ExportFormat[];
  entries: number;
  lines: number;
  totals: CurrencyTotals[];
  files: ExportedFile[];
  exportedAt: string;
}

/** Records the last run for the period (a re-run replaces it: the files are the same bytes). */
export async function putLedgerExport(deps: Deps, record: LedgerExportRecord): Promise<void> {
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.ledgerExport(record.from, record.to),
        entity: 'LedgerExport',
        entityVersion: 1,
        ...record,
      },
    }),
  );
}

/** Exports whose period starts within `[from, to]`, by start then end. */
export async function listLedgerExports(deps: Deps, from: string, to: string): Promise<LedgerExportRecord[]> {
  const records: LedgerExportRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lower AND :upper',
        ExpressionAttributeValues: {
          ':pk': keys.ledgerExports,
          ':lower': `EXPORT#${from}`,
          ':upper': `EXPORT#${to}#~`,
        },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      records.push(stripKeys<LedgerExportRecord>(item));
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return records;
}
