/**
 * Compliance paperwork settings (docs/paperwork.md): who the shipper is, how long each document is kept
 * write-once, carrier SCACs, and the customs defaults of a commercial invoice.
 */
import type { DocumentType } from '../domain/documents.js';

export interface DocumentSettings {
  /** The company printed as shipper / exporter; the address is the shipping location's. */
  shipperName: string;
  /**
   * Years each document is kept write-once from its date. Typical US minimums (check with counsel):
   * export records (commercial invoice, 15 CFR 762.6 EAR and 15 CFR 30.10 FTR) 5 years, importer's entry
   * records (19 CFR 163.4) 5 years; IRS supporting records 3 years (26 U.S.C. 6501), 6 when income is
   * under-reported, 7 for bad-debt and worthless-securities claims; hazmat shipping papers 2 years
   * (49 CFR 172.201(e)), motor carriers keep bills of lading 1 year (49 CFR 379 app. A).
   */
  retentionYears: Record<DocumentType, number>;
  /**
   * S3 Object Lock mode. GOVERNANCE can be lifted by a principal with s3:BypassGovernanceRetention (so a
   * test stack can be torn down); COMPLIANCE cannot be shortened by anyone, root included: use it in production.
   */
  retentionMode: 'COMPLIANCE' | 'GOVERNANCE';
  /** Standard Carrier Alpha Codes (NMFTA) of the carriers labels are bought from. */
  carrierScac: Record<string, string>;
  /** Incoterms 2020 rule printed when the request names none: DAP = seller pays freight, buyer the duties. */
  incoterms: string;
  /** Country of origin of goods with no per-SKU origin (ISO 3166-1 alpha-2). */
  defaultOriginCountry: string;
  /** Insurance charged on a commercial invoice, minor units of the order's currency. */
  insurance: number;
}

export const documentSettings: DocumentSettings = {
  shipperName: 'Serverless OMS Demo Co.',
  retentionYears: { 'commercial-invoice': 7, 'bill-of-lading': 3, 'packing-slip': 3 },
  retentionMode: 'GOVERNANCE',
  carrierScac: { SIMPARCEL: 'SMPL', SIMPOST: 'SMPO' },
  incoterms: 'DAP',
  defaultOriginCountry: 'US',
  insurance: 0,
};
