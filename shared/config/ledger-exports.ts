/**
 * How the journal is written for finance tools (docs/exports.md): the accounts as each tool knows them, and
 * the settings the tools ask for. Read by shared/app/ledger-export.ts; the formatters are pure
 * (shared/domain/ledger-export*.ts) and take this as input.
 */
export interface ExportAccount {
  /** Chart-of-accounts number: Xero's AccountCode, the number part of NetSuite's account. */
  code: string;
  /** The account's name as it is in QuickBooks Online (and after the number in NetSuite). */
  name: string;
}

export interface LedgerExportSettings {
  /** By the OMS account id (`1100-payment-clearing`); an id not listed is split into `<code>-<name>`. */
  accounts: Readonly<Record<string, ExportAccount>>;
  xero: {
    /** Xero's mandatory TaxRate column: the full name of a tax rate of the organisation. */
    taxRate: string;
    /** Xero imports at most this many lines per file: larger exports are split between journals. */
    maxLinesPerFile: number;
  };
  netsuite: {
    /** OneWorld accounts need a subsidiary on every journal; empty for a single-subsidiary account. */
    subsidiary: string;
  };
  /** Journal entries read per DynamoDB page (keys query + one BatchGet). */
  pageSize: number;
  /** Lines buffered into one Parquet row group: the memory bound of the Parquet writer. */
  parquetRowGroupRows: number;
  /** The longest period one export may cover. */
  maxDays: number;
}

export const ledgerExportSettings: LedgerExportSettings = {
  accounts: {
    '1000-cash-bank': { code: '1000', name: 'Cash at Bank' },
    '1100-payment-clearing': { code: '1100', name: 'Payment Clearing' },
    '2100-accounts-payable-carriers': { code: '2100', name: 'Accounts Payable - Carriers' },
    '2110-accounts-payable-suppliers': { code: '2110', name: 'Accounts Payable - Suppliers' },
    '2150-seller-payable': { code: '2150', name: 'Seller Payable' },
    '2200-sales-tax-payable': { code: '2200', name: 'Sales Tax Payable' },
    '2300-gift-card-liability': { code: '2300', name: 'Gift Card Liability' },
    '2310-store-credit-liability': { code: '2310', name: 'Store Credit Liability' },
    '4000-sales-revenue': { code: '4000', name: 'Sales Revenue' },
    '4100-shipping-income': { code: '4100', name: 'Shipping Income' },
    '4900-sales-discounts': { code: '4900', name: 'Sales Discounts' },
    '5100-freight-expense': { code: '5100', name: 'Freight Expense' },
  },
  xero: { taxRate: 'Tax Exempt', maxLinesPerFile: 300 },
  netsuite: { subsidiary: '' },
  pageSize: 100,
  parquetRowGroupRows: 10_000,
  maxDays: 366,
};
