import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { renderPdf } from '../../../shared/documents/pdf.js';
import {
  billOfLading,
  type CommercialInvoiceInput,
  commercialInvoice,
  documentId,
  documentTypeOf,
  packingSlip,
  shareOf,
} from '../../../shared/domain/documents.js';
import { UnprocessableError } from '../../../shared/domain/errors.js';

const textOf = async (bytes: Uint8Array) => {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true });
  return text.replace(/\s+/g, ' ');
};

const warehouse = {
  name: 'Demo Co. - East',
  line1: '1 Dock Rd',
  city: 'Newark',
  region: 'NJ',
  postalCode: '07102',
  country: 'US',
};
const customer = {
  name: 'Ada Lovelace',
  line1: '12 Queen St W',
  city: 'Toronto',
  region: 'ON',
  postalCode: 'M5H 2N2',
  country: 'CA',
};

describe('Given a packed pick ticket', () => {
  describe('When its packing slip is rendered', () => {
    it('lists ship-from, ship-to, the order number and each SKU with name and quantity', async () => {
      const text = await textOf(
        await renderPdf(
          packingSlip({
            orderId: 'ord_abc',
            orderNumber: 'SF-1001',
            pickTicketId: 'pt_abc_1',
            date: '2026-11-20T10:00:00.000Z',
            shipFrom: warehouse,
            shipTo: customer,
            lines: [
              { sku: 'SKU-TSHIRT-M', name: 'T-shirt M', quantity: 2 },
              { sku: 'SKU-MUG', name: 'Mug', quantity: 1 },
            ],
          }),
        ),
      );
      for (const part of [
        'Packing slip',
        'SF-1001',
        'pt_abc_1',
        '1 Dock Rd',
        'Newark, NJ, 07102',
        'Ada Lovelace',
        'Toronto, ON, M5H 2N2',
        'SKU-TSHIRT-M T-shirt M 2',
        'SKU-MUG Mug 1',
        'Total units: 3',
      ]) {
        expect(text).toContain(part);
      }
    });
  });
});

describe('Given a freight shipment of two cartons, one holding hazardous materials', () => {
  const bol = billOfLading({
    orderId: 'ord_abc',
    bolNumber: 'sh_abc_1',
    shipmentId: 'sh_abc_1',
    shipDate: '2026-11-20',
    shipper: warehouse,
    consignee: customer,
    carrier: { name: 'SIMPARCEL', scac: 'SMPL', service: 'Standard' },
    proNumber: 'PRO123456',
    handlingUnits: [
      // 48×40×48 in = 53.33 ft³; 500 lb → 9.375 lb/ft³ → class 100.
      {
        count: 1,
        type: 'PLT',
        weightLb: 500,
        lengthIn: 48,
        widthIn: 40,
        heightIn: 48,
        description: 'Mugs',
        hazmat: false,
      },
      // 12×12×12 in = 1 ft³; 40 lb → 40 lb/ft³ → class 55 (13-tier scale since 2025-07-19).
      {
        count: 2,
        type: 'CTN',
        weightLb: 40,
        lengthIn: 12,
        widthIn: 12,
        heightIn: 12,
        description: 'Lighter fluid',
        hazmat: true,
      },
    ],
    accessorials: ['liftgate'],
    specialInstructions: 'Call before delivery',
  });

  describe('When its bill of lading is built', () => {
    it('classes each handling unit by density', () => {
      expect(bol.handlingUnits.map((unit) => unit.freightClass.freightClass)).toEqual(['100', '55']);
      expect(bol.handlingUnits[0]?.freightClass.scale).toBe('13-tier');
    });

    it('prints shipper, consignee, carrier and SCAC, PRO and BOL numbers, units, classes, hazmat and totals', async () => {
      const text = await textOf(await renderPdf(bol));
      for (const part of [
        'BOL number: sh_abc_1',
        'SIMPARCEL (SCAC SMPL)',
        'PRO number: PRO123456',
        '1 Dock Rd',
        '12 Queen St W',
        '1 PLT 500',
        'Mugs',
        '2 CTN 80 X Lighter fluid',
        'Declared totals: 3 handling unit(s), 580 lb, contains hazardous materials',
        'Accessorials requested: liftgate',
        'Call before delivery',
      ]) {
        expect(text).toContain(part);
      }
      expect(text).toMatch(/9\.38 100/);
      expect(text).toMatch(/40 55/);
    });
  });
});

describe('Given a cross-border shipment', () => {
  const input = (currency: string, unitPrice: number, freight: number): CommercialInvoiceInput => ({
    orderId: 'ord_abc',
    invoiceNumber: 'CI-sh_abc_1',
    shipmentId: 'sh_abc_1',
    date: '2026-11-20T10:00:00.000Z',
    exporter: warehouse,
    importer: customer,
    carrier: { name: 'SIMPARCEL', trackingNumber: '1Z999' },
    currency,
    incoterms: 'DAP',
    lines: [
      {
        sku: 'SKU-MUG',
        description: 'Ceramic mug',
        hsCode: '6912.00',
        quantity: 3,
        unitPrice,
        discount: 0,
        originCountry: 'PT',
      },
    ],
    freight,
    insurance: 0,
  });

  describe('When its commercial invoice is built in USD', () => {
    it('prints parties, HS code, origin, incoterms, prices in cents and the totals', async () => {
      const invoice = commercialInvoice(input('USD', 1250, 599));
      expect(invoice.totals).toEqual({ goods: 3750, discount: 0, freight: 599, insurance: 0, total: 4349 });
      const text = await textOf(await renderPdf(invoice));
      for (const part of [
        'Commercial invoice',
        'Exporter',
        'Importer',
        '6912.00',
        'PT',
        'Incoterms 2020: DAP',
        '12.50 USD',
        '37.50 USD',
        '5.99 USD',
        '43.49 USD',
      ]) {
        expect(text).toContain(part);
      }
    });
  });

  describe('When the currency has no minor unit (JPY) or three (KWD)', () => {
    it('formats amounts with the currency exponent', async () => {
      const yen = await textOf(await renderPdf(commercialInvoice(input('JPY', 1500, 800))));
      expect(yen).toContain('1500 JPY');
      expect(yen).toContain('5300 JPY');
      const dinar = await textOf(await renderPdf(commercialInvoice(input('KWD', 1005, 0))));
      expect(dinar).toContain('1.005 KWD');
      expect(dinar).toContain('3.015 KWD');
    });
  });

  describe('When the shipment does not leave the country', () => {
    it('is refused: a commercial invoice is for cross-border shipments', () => {
      expect(() =>
        commercialInvoice({ ...input('USD', 100, 0), importer: { ...customer, country: 'US' } }),
      ).toThrow(UnprocessableError);
    });
  });
});

describe('Given document ids', () => {
  it('derive from the type and what they cover, and give the type back', () => {
    expect(documentId('bill-of-lading', 'sh_abc_1')).toBe('bol_sh_abc_1');
    expect(documentTypeOf('ci_sh_abc_1')).toBe('commercial-invoice');
    expect(documentTypeOf('ps_pt_abc_1')).toBe('packing-slip');
    expect(documentTypeOf('xx_1')).toBeUndefined();
  });
});

describe('Given freight to split over shipments', () => {
  it('shares it by weight in whole minor units that add up', () => {
    const parts = [0, 1, 2].map((index) => shareOf(1000, [1, 1, 1], index));
    expect(parts).toEqual([334, 333, 333]);
    expect(shareOf(599, [0, 0], 0)).toBe(599);
  });
});
