import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { type LedgerExportSettings, ledgerExportSettings } from '../config/ledger-exports.js';
import type { JournalEntry } from '../domain/ledger.js';
import {
  csvRecord,
  EXPORT_FORMATS,
  type ExportFormat,
  NETSUITE_HEADER,
  netsuiteRows,
  PeriodTotals,
  periodDays,
  QBO_HEADER,
  qboRows,
  XERO_HEADER,
  xeroRows,
} from '../domain/ledger-export.js';
import { PARQUET_CREATED_BY, PARQUET_SCHEMA, parquetColumns } from '../domain/ledger-export-parquet.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { Deps } from '../runtime/deps.js';
import {
  type ExportedFile,
  journalPages,
  type LedgerExportRecord,
  listLedgerExports,
  putLedgerExport,
} from '../store/ledger-exports.js';

/**
 * Ledger exports for finance (docs/exports.md): a period's journal as QuickBooks Online, Xero and NetSuite
 * import CSVs and as Parquet, written to the bucket as it is read. Pages of entries flow into every file
 * at once; only the current page (and, for Parquet, one row group) is in memory. The same period gives the
 * same bytes: entries come in posting order and nothing in a file depends on when it was written.
 */

export const exportPrefix = (from: string, to: string) => `exports/ledger/${from}_${to}`;

/** An object being written: chunks go to the store's stream as they come, with back-pressure. */
class ObjectWriter {
  private readonly stream = new PassThrough();
  private readonly done: Promise<{ uri: string; bytes: number }>;
  rows = 0;

  constructor(
    store: ObjectStore,
    readonly key: string,
    contentType: string,
  ) {
    this.done = store.putStream(key, this.stream, contentType);
    // Seen by write() or close(); without this an early failure would be an unhandled rejection.
    this.done.catch(() => undefined);
  }

  async write(chunk: string | Uint8Array): Promise<void> {
    if (!this.stream.write(chunk)) await Promise.race([once(this.stream, 'drain'), this.done]);
  }

  async close(): Promise<{ uri: string; bytes: number }> {
    this.stream.end();
    return await this.done;
  }

  async abort(error: Error): Promise<void> {
    this.stream.destroy(error);
    await this.done.catch(() => undefined);
  }
}

/** hyparquet-writer's buffer, emptied into the object after every row group instead of growing. */
class StreamingByteWriter extends ByteWriter {
  constructor(private readonly sink: ObjectWriter) {
    super(64 * 1024);
  }

  // Not declared on ByteWriter's type, but ParquetWriter calls it after each row group when present.
  flush(): Promise<void> {
    const chunk = this.getBytes().slice();
    this.index = 0;
    return this.sink.write(chunk);
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}

interface Sink {
  add(entries: readonly JournalEntry[]): Promise<void>;
  close(): Promise<ExportedFile[]>;
  abort(error: Error): Promise<void>;
}

function csvSink(
  store: ObjectStore,
  format: 'qbo' | 'netsuite',
  key: string,
  header: readonly string[],
  rows: (entry: JournalEntry) => string[][],
): Sink {
  let writer: ObjectWriter | undefined;
  const open = async () => {
    if (!writer) {
      writer = new ObjectWriter(store, key, 'text/csv');
      await writer.write(csvRecord(header));
    }
    return writer;
  };
  return {
    async add(entries) {
      const out = await open();
      const lines = entries.flatMap(rows);
      out.rows += lines.length;
      await out.write(lines.map(csvRecord).join(''));
    },
    async close() {
      const out = await open();
      const { uri, bytes } = await out.close();
      return [{ format, key, uri, rows: out.rows, bytes }];
    },
    abort: async (error) => writer?.abort(error),
  };
}

/** One Xero file per currency, split between journals before the import's line limit. */
function xeroSink(store: ObjectStore, prefix: string, settings: LedgerExportSettings): Sink {
  const open = new Map<string, { writer: ObjectWriter; part: number }>();
  const closed: ExportedFile[] = [];
  const finish = async (currency: string) => {
    const current = open.get(currency);
    if (!current) return;
    open.delete(currency);
    const { uri, bytes } = await current.writer.close();
    closed.push({ format: 'xero', key: current.writer.key, uri, rows: current.writer.rows, bytes, currency });
  };
  return {
    async add(entries) {
      for (const entry of entries) {
        const rows = xeroRows(entry, settings);
        let current = open.get(entry.currency);
        if (current && current.writer.rows + rows.length > settings.xero.maxLinesPerFile) {
          const part = current.part + 1;
          await finish(entry.currency);
          current = undefined;
          open.set(entry.currency, {
            writer: new ObjectWriter(store, xeroKey(prefix, entry.currency, part), 'text/csv'),
            part,
          });
          current = open.get(entry.currency);
          await current?.writer.write(csvRecord(XERO_HEADER));
        }
        if (!current) {
          current = {
            writer: new ObjectWriter(store, xeroKey(prefix, entry.currency, 1), 'text/csv'),
            part: 1,
          };
          open.set(entry.currency, current);
          await current.writer.write(csvRecord(XERO_HEADER));
        }
        current.writer.rows += rows.length;
        await current.writer.write(rows.map(csvRecord).join(''));
      }
    },
    async close() {
      for (const currency of [...open.keys()]) await finish(currency);
      return closed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    async abort(error) {
      await Promise.all([...open.values()].map(({ writer }) => writer.abort(error)));
    },
  };
}

const xeroKey = (prefix: string, currency: string, part: number) =>
  `${prefix}/xero-${currency}-${String(part).padStart(3, '0')}.csv`;

/** Parquet, one row group per `parquetRowGroupRows` lines (the bound on what is buffered). */
function parquetSink(store: ObjectStore, key: string, settings: LedgerExportSettings): Sink {
  const out = new ObjectWriter(store, key, 'application/vnd.apache.parquet');
  const writer = new ParquetWriter({
    writer: new StreamingByteWriter(out),
    schema: PARQUET_SCHEMA,
    createdBy: PARQUET_CREATED_BY,
  });
  let pending: JournalEntry[] = [];
  let pendingLines = 0;
  const writeGroup = async () => {
    if (pending.length === 0) return;
    const columnData = parquetColumns(pending);
    await writer.write({ columnData, rowGroupSize: pendingLines });
    out.rows += pendingLines;
    pending = [];
    pendingLines = 0;
  };
  return {
    async add(entries) {
      for (const entry of entries) {
        pending.push(entry);
        pendingLines += entry.lines.length;
        if (pendingLines >= settings.parquetRowGroupRows) await writeGroup();
      }
    },
    async close() {
      await writeGroup();
      await writer.finish();
      const { uri, bytes } = await out.close();
      return [{ format: 'parquet', key, uri, rows: out.rows, bytes }];
    },
    abort: (error) => out.abort(error),
  };
}

export interface ExportPeriodInput {
  from: string;
  to: string;
  formats?: readonly ExportFormat[];
}

/**
 * Exports `[from, to]` (UTC days, both included) in the given formats (all by default), records the run,
 * and answers with the files, their row counts and the totals per currency. Every entry is checked to
 * balance before it is written; an unbalanced one fails the export (nothing is recorded).
 */
export async function exportLedgerPeriod(
  deps: Deps,
  input: ExportPeriodInput,
  settings: LedgerExportSettings = ledgerExportSettings,
): Promise<LedgerExportRecord> {
  const days = periodDays(input.from, input.to, settings.maxDays);
  const formats = EXPORT_FORMATS.filter((format) => (input.formats ?? EXPORT_FORMATS).includes(format));
  const prefix = exportPrefix(input.from, input.to);
  const sinks: Sink[] = formats.map((format) => {
    switch (format) {
      case 'qbo':
        return csvSink(deps.objects, 'qbo', `${prefix}/qbo.csv`, QBO_HEADER, (e) => qboRows(e, settings));
      case 'netsuite':
        return csvSink(deps.objects, 'netsuite', `${prefix}/netsuite.csv`, NETSUITE_HEADER, (e) =>
          netsuiteRows(e, settings),
        );
      case 'xero':
        return xeroSink(deps.objects, prefix, settings);
      case 'parquet':
        return parquetSink(deps.objects, `${prefix}/journal-lines.parquet`, settings);
    }
    throw new Error(`unknown export format ${String(format)}`);
  });
  const totals = new PeriodTotals();
  let entries = 0;
  const files: ExportedFile[] = [];
  try {
    for await (const page of journalPages(deps, days, settings.pageSize)) {
      for (const entry of page) totals.add(entry);
      entries += page.length;
      for (const sink of sinks) await sink.add(page);
    }
    for (const sink of sinks) files.push(...(await sink.close()));
  } catch (error) {
    const reason = error instanceof Error ? error : new Error(String(error));
    await Promise.all(sinks.map((sink) => sink.abort(reason)));
    throw error;
  }
  const record: LedgerExportRecord = {
    from: input.from,
    to: input.to,
    formats: [...formats],
    entries,
    lines: totals.lines,
    totals: totals.list(),
    files,
    exportedAt: deps.clock.now().toISOString(),
  };
  await putLedgerExport(deps, record);
  return record;
}

export const listExports = (deps: Deps, from: string, to: string) => listLedgerExports(deps, from, to);
