/**
 * The first day the ledger can hold an entry: a trial balance "as of" a date sums every entry from this day
 * on (docs/ledger.md). Entries are read day by day from the ledger index, so a later start is cheaper.
 */
export const LEDGER_START_DAY = '2026-01-01';

/** Most entries one page of `GET /ledger/entries` returns. */
export const LEDGER_PAGE_LIMIT = 200;

/** The longest period one listing or reconciliation may span, in days. */
export const LEDGER_MAX_PERIOD_DAYS = 366;
