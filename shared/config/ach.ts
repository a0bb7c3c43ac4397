import type { AchOriginator, AchOriginatorCompany } from '../domain/nacha.js';

/**
 * The ACH originator: who sends the NACHA files and to which bank (docs/ach.md). The values below are
 * placeholders that pass the checks (021000021 is a valid ABA number); replace them with what the ODFI
 * (your bank) assigned before sending any file. Environment variables override them at run time.
 */
export interface AchSettings {
  originator: AchOriginator;
  /** The first one is used when a request names no `companyId`. */
  companies: readonly AchOriginatorCompany[];
  /** Company Entry Description (10 characters) per payout purpose: what the payee's statement shows. */
  entryDescriptions: Readonly<Record<'supplier' | 'seller', string>>;
  /** Payouts taken into one file: one DynamoDB transaction marks them (100 items, minus the file's two). */
  maxPayoutsPerFile: number;
  /** Ledger accounts of a payout: the payable it settles, and the bank account the money leaves. */
  accounts: { supplierPayable: string; sellerPayable: string; cash: string };
}

const env = (name: string, fallback: string) => process.env[name] ?? fallback;

export function achSettings(): AchSettings {
  return {
    originator: {
      immediateDestination: env('OMS_ACH_IMMEDIATE_DESTINATION', '021000021'),
      immediateDestinationName: env('OMS_ACH_IMMEDIATE_DESTINATION_NAME', 'ODFI BANK'),
      immediateOrigin: env('OMS_ACH_IMMEDIATE_ORIGIN', '1123456789'),
      immediateOriginName: env('OMS_ACH_IMMEDIATE_ORIGIN_NAME', 'SERVERLESS OMS'),
      odfiRouting: env('OMS_ACH_ODFI_ROUTING', '021000021'),
    },
    companies: [
      {
        id: 'default',
        name: env('OMS_ACH_COMPANY_NAME', 'SERVERLESS OMS'),
        identification: env('OMS_ACH_COMPANY_ID', '1123456789'),
      },
    ],
    entryDescriptions: { supplier: 'SUPPLIER', seller: 'PAYOUT' },
    maxPayoutsPerFile: 98,
    accounts: {
      supplierPayable: '2110-accounts-payable-suppliers',
      sellerPayable: '2150-seller-payable',
      cash: '1000-cash-bank',
    },
  };
}
