import type { PdfInput, PdfSection } from '../documents/pdf.js';
import { UnprocessableError } from './errors.js';
import { type FreightClassResult, nmfcClass } from './freight-class.js';
import { formatMinorUnits } from './money.js';

/**
 * The content of the shipping paperwork (docs/paperwork.md): plain functions from an order's stored data to
 * the sections of a PDF. No clock, no ids: the same data gives the same document, byte for byte.
 */
export const DOCUMENT_TYPES = ['packing-slip', 'bill-of-lading', 'commercial-invoice'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** Short codes that prefix document ids: `ps_<ticket>`, `bol_<shipment>`, `ci_<shipment>`. */
const CODES: Record<DocumentType, string> = {
  'packing-slip': 'ps',
  'bill-of-lading': 'bol',
  'commercial-invoice': 'ci',
};

/** A document's id from its type and what it covers (a pick ticket or a shipment): issuing twice finds it. */
export const documentId = (type: DocumentType, scopeId: string) => `${CODES[type]}_${scopeId}`;

export function documentTypeOf(id: string): DocumentType | undefined {
  const code = id.slice(0, id.indexOf('_'));
  return DOCUMENT_TYPES.find((type) => CODES[type] === code);
}

export interface Party {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  region?: string;
  postalCode: string;
  country: string;
  phone?: string;
}

const partyLines = (party: Party): string[] => [
  party.name,
  party.line1,
  ...(party.line2 ? [party.line2] : []),
  [party.city, party.region, party.postalCode].filter(Boolean).join(', '),
  party.country,
  ...(party.phone ? [`Phone: ${party.phone}`] : []),
];

/** True when the goods leave the origin's country: a commercial invoice applies. */
export const isCrossBorder = (originCountry: string, destinationCountry: string) =>
  originCountry.toUpperCase() !== destinationCountry.toUpperCase();

// ---------------------------------------------------------------------------------------------------------
// Packing slip
// ---------------------------------------------------------------------------------------------------------

export interface PackingSlipInput {
  orderId: string;
  orderNumber?: string;
  pickTicketId: string;
  shipmentId?: string;
  /** The day the parcel was packed (the document's date). */
  date: string;
  shipFrom: Party;
  shipTo: Party;
  lines: { sku: string; name?: string; quantity: number }[];
  cartons?: { id: string; lines?: { sku: string; quantity: number }[] }[];
}

export function packingSlip(input: PackingSlipInput): PdfInput {
  const units = input.lines.reduce((sum, line) => sum + line.quantity, 0);
  const sections: PdfSection[] = [
    {
      heading: 'Order',
      lines: [
        `Order number: ${input.orderNumber ?? input.orderId}`,
        `Order id: ${input.orderId}`,
        `Pick ticket: ${input.pickTicketId}`,
        ...(input.shipmentId ? [`Shipment: ${input.shipmentId}`] : []),
        `Date: ${input.date.slice(0, 10)}`,
      ],
    },
    { heading: 'Ship from', lines: partyLines(input.shipFrom) },
    { heading: 'Ship to', lines: partyLines(input.shipTo) },
    {
      heading: 'Contents',
      table: {
        columns: ['SKU', 'Item', 'Quantity'],
        rows: input.lines.map((line) => [line.sku, line.name ?? '', String(line.quantity)]),
      },
      lines: [`Total units: ${units}`],
    },
  ];
  const cartons = input.cartons ?? [];
  if (cartons.some((carton) => carton.lines && carton.lines.length > 0)) {
    sections.push({
      heading: 'Cartons',
      table: {
        columns: ['Carton', 'SKU', 'Quantity'],
        rows: cartons.flatMap((carton) =>
          (carton.lines ?? []).map((line) => [carton.id, line.sku, String(line.quantity)]),
        ),
      },
    });
  }
  return {
    title: 'Packing slip',
    subtitle: `Order ${input.orderNumber ?? input.orderId}`,
    sections,
    metadata: metadata('packing-slip', input.orderId, input.date),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Bill of lading (VICS / NMFC style, straight, non-negotiable)
// ---------------------------------------------------------------------------------------------------------

export interface HandlingUnitInput {
  /** How many identical units this line stands for. */
  count: number;
  /** VICS handling unit type: PLT (pallet), CTN (carton), SKD (skid)… */
  type: string;
  /** Per unit. */
  weightLb: number;
  lengthIn: number;
  widthIn: number;
  heightIn: number;
  description: string;
  hazmat: boolean;
  /** The NMFC item number when the commodity has one; the class then still follows density. */
  nmfcItem?: string;
}

export interface BillOfLadingInput {
  orderId: string;
  bolNumber: string;
  shipmentId: string;
  shipDate: string;
  shipper: Party;
  consignee: Party;
  carrier: { name: string; scac: string; service: string };
  proNumber: string;
  /** Customer order number printed in the "customer order information" block. */
  orderNumber?: string;
  handlingUnits: HandlingUnitInput[];
  /** Requested accessorial services (liftgate, residential, inside delivery…). */
  accessorials: string[];
  specialInstructions?: string;
  /** Freight charge terms: prepaid unless the consignee or a third party pays. */
  freightTerms?: 'Prepaid' | 'Collect' | '3rd Party';
}

export interface RatedHandlingUnit extends HandlingUnitInput {
  freightClass: FreightClassResult;
}

/** NMFC class per handling unit from its density (shared/domain/freight-class.ts). */
export function classifyHandlingUnits(units: HandlingUnitInput[], shipDate: string): RatedHandlingUnit[] {
  return units.map((unit) => ({
    ...unit,
    freightClass: nmfcClass({
      weightLb: unit.weightLb,
      lengthIn: unit.lengthIn,
      widthIn: unit.widthIn,
      heightIn: unit.heightIn,
      shipDate,
    }),
  }));
}

const pounds = (value: number) => `${Math.round(value * 10) / 10}`;

export function billOfLading(input: BillOfLadingInput): PdfInput & { handlingUnits: RatedHandlingUnit[] } {
  if (input.handlingUnits.length === 0) {
    throw new UnprocessableError(
      `shipment ${input.shipmentId} has no handling units to put on a bill of lading`,
    );
  }
  const units = classifyHandlingUnits(input.handlingUnits, input.shipDate);
  const totalCount = units.reduce((sum, unit) => sum + unit.count, 0);
  const totalWeight = units.reduce((sum, unit) => sum + unit.count * unit.weightLb, 0);
  const hazmat = units.some((unit) => unit.hazmat);
  return {
    title: 'Bill of lading - short form, straight, non-negotiable',
    subtitle: `BOL number ${input.bolNumber}`,
    sections: [
      {
        heading: 'Shipment',
        lines: [
          `BOL number: ${input.bolNumber}`,
          `Ship date: ${input.shipDate.slice(0, 10)}`,
          `Carrier: ${input.carrier.name} (SCAC ${input.carrier.scac}), service ${input.carrier.service}`,
          `PRO number: ${input.proNumber}`,
          `Freight charge terms: ${input.freightTerms ?? 'Prepaid'}`,
        ],
      },
      { heading: 'Ship from (shipper)', lines: partyLines(input.shipper) },
      { heading: 'Ship to (consignee)', lines: partyLines(input.consignee) },
      {
        heading: 'Customer order information',
        table: {
          columns: ['Customer order number', 'Packages', 'Weight (lb)'],
          rows: [[input.orderNumber ?? input.orderId, String(totalCount), pounds(totalWeight)]],
        },
      },
      {
        heading: 'Carrier information',
        table: {
          columns: [
            'HU qty',
            'HU type',
            'Weight (lb)',
            'HM (X)',
            'Commodity description',
            'Dimensions (in)',
            'Density (lb/ft3)',
            'NMFC #',
            'Class',
          ],
          rows: units.map((unit) => [
            String(unit.count),
            unit.type,
            pounds(unit.count * unit.weightLb),
            unit.hazmat ? 'X' : '',
            unit.description,
            `${unit.lengthIn} x ${unit.widthIn} x ${unit.heightIn}`,
            String(Math.round(unit.freightClass.densityLbPerFt3 * 100) / 100),
            unit.nmfcItem ?? '',
            unit.freightClass.freightClass,
          ]),
        },
        lines: [
          `Declared totals: ${totalCount} handling unit(s), ${pounds(totalWeight)} lb${hazmat ? ', contains hazardous materials' : ''}`,
          `Class basis: NMFC density scale ${units[0]?.freightClass.scale ?? ''}`,
        ],
      },
      {
        heading: 'Special services and instructions',
        lines: [
          `Accessorials requested: ${input.accessorials.length > 0 ? input.accessorials.join(', ') : 'none'}`,
          ...(input.specialInstructions ? [`Instructions: ${input.specialInstructions}`] : []),
          ...(hazmat
            ? [
                'Hazardous materials: emergency response information attached; 24-hour contact on file with shipper.',
              ]
            : []),
        ],
      },
      {
        heading: 'Signatures',
        lines: [
          'This is to certify that the above named materials are properly classified, packaged, marked and labeled, and are in proper condition for transportation according to the applicable regulations of the DOT.',
          'Shipper signature / date: ______________________    Carrier signature / pickup date: ______________________',
        ],
      },
    ],
    metadata: metadata('bill-of-lading', input.orderId, input.shipDate),
    handlingUnits: units,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Commercial invoice
// ---------------------------------------------------------------------------------------------------------

export interface CommercialInvoiceLine {
  sku: string;
  description: string;
  hsCode?: string;
  quantity: number;
  /** Minor units of the invoice currency. */
  unitPrice: number;
  /** This line's discount for the quantity shipped, minor units. */
  discount: number;
  originCountry: string;
}

export interface CommercialInvoiceInput {
  orderId: string;
  orderNumber?: string;
  invoiceNumber: string;
  shipmentId: string;
  date: string;
  exporter: Party;
  importer: Party & { email?: string };
  carrier: { name: string; trackingNumber: string };
  currency: string;
  incoterms: string;
  lines: CommercialInvoiceLine[];
  /** Minor units of `currency`. */
  freight: number;
  insurance: number;
  reasonForExport?: string;
}

export interface CommercialInvoiceTotals {
  goods: number;
  discount: number;
  freight: number;
  insurance: number;
  total: number;
}

export function commercialInvoiceTotals(input: CommercialInvoiceInput): CommercialInvoiceTotals {
  const goods = input.lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0);
  const discount = input.lines.reduce((sum, line) => sum + line.discount, 0);
  return {
    goods,
    discount,
    freight: input.freight,
    insurance: input.insurance,
    total: goods - discount + input.freight + input.insurance,
  };
}

export function commercialInvoice(
  input: CommercialInvoiceInput,
): PdfInput & { totals: CommercialInvoiceTotals } {
  if (isCrossBorder(input.exporter.country, input.importer.country) === false) {
    throw new UnprocessableError(
      `shipment ${input.shipmentId} stays in ${input.exporter.country}: a commercial invoice is for cross-border shipments`,
      { reason: 'domestic-shipment' },
    );
  }
  const money = (minor: number) => `${formatMinorUnits(minor, input.currency)} ${input.currency}`;
  const totals = commercialInvoiceTotals(input);
  return {
    title: 'Commercial invoice',
    subtitle: `Invoice ${input.invoiceNumber}`,
    sections: [
      {
        heading: 'Invoice',
        lines: [
          `Invoice number: ${input.invoiceNumber}`,
          `Date: ${input.date.slice(0, 10)}`,
          `Order: ${input.orderNumber ?? input.orderId}`,
          `Carrier: ${input.carrier.name}, tracking ${input.carrier.trackingNumber}`,
          `Incoterms 2020: ${input.incoterms}`,
          `Currency: ${input.currency}`,
          `Reason for export: ${input.reasonForExport ?? 'Sale'}`,
        ],
      },
      { heading: 'Exporter (seller)', lines: partyLines(input.exporter) },
      {
        heading: 'Importer (buyer, ship to)',
        lines: [
          ...partyLines(input.importer),
          ...(input.importer.email ? [`Email: ${input.importer.email}`] : []),
        ],
      },
      {
        heading: 'Goods',
        table: {
          columns: ['SKU', 'Description', 'HS code', 'Origin', 'Quantity', 'Unit price', 'Amount'],
          rows: input.lines.map((line) => [
            line.sku,
            line.description,
            line.hsCode ?? 'not known',
            line.originCountry,
            String(line.quantity),
            money(line.unitPrice),
            money(line.quantity * line.unitPrice),
          ]),
        },
      },
      {
        heading: 'Totals',
        table: {
          columns: ['', 'Amount'],
          rows: [
            ['Goods', money(totals.goods)],
            ['Discount', money(-totals.discount)],
            ['Freight', money(totals.freight)],
            ['Insurance', money(totals.insurance)],
            ['Total invoice value', money(totals.total)],
          ],
        },
      },
      {
        heading: 'Declaration',
        lines: [
          'I declare that all the information contained in this invoice is true and correct, and that the goods are of the origin shown.',
          'Signature / date: ______________________',
        ],
      },
    ],
    metadata: metadata('commercial-invoice', input.orderId, input.date),
    totals,
  };
}

function metadata(type: DocumentType, orderId: string, date: string): Record<string, string> {
  return { creationDate: date, subject: orderId, documentType: type, orderId, creator: 'serverless-oms' };
}

/**
 * Splits an amount over parts in proportion to their weights, in whole minor units that add up exactly
 * (largest remainder): the freight of an order over its shipments.
 */
export function shareOf(amount: number, weights: readonly number[], index: number): number {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  if (total === 0) return index === 0 ? amount : 0;
  const exact = weights.map((weight) => (amount * weight) / total);
  const floors = exact.map(Math.floor);
  let left = amount - floors.reduce((sum, value) => sum + value, 0);
  const order = exact
    .map((value, position) => ({ position, remainder: value - Math.floor(value) }))
    .sort((a, b) => b.remainder - a.remainder || a.position - b.position);
  for (const { position } of order) {
    if (left <= 0) break;
    floors[position] = (floors[position] ?? 0) + 1;
    left -= 1;
  }
  return floors[index] ?? 0;
}
