import { createHash } from 'node:crypto';
import { documentSettings } from '../config/documents.js';
import { renderPdf } from '../documents/pdf.js';
import {
  billOfLading,
  commercialInvoice,
  type DocumentType,
  documentId,
  isCrossBorder,
  type Party,
  packingSlip,
  shareOf,
} from '../domain/documents.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../domain/errors.js';
import type { Deps } from '../runtime/deps.js';
import { type DocumentRecord, getDocument, listDocuments, putDocument } from '../store/documents.js';
import { getLocation, type LocationRecord } from '../store/locations.js';
import {
  getOrderAggregate,
  getOrderRecord,
  type OrderAggregate,
  type PickTicketRecord,
  type ShipmentRecord,
} from '../store/orders.js';
import { parcelsForPick } from './shipping.js';

export type { DocumentRecord } from '../store/documents.js';

export interface IssueDocumentInput {
  orderId: string;
  type: DocumentType;
  shipmentId?: string;
  pickTicketId?: string;
  /**
   * The shipment as select-carrier is about to record it: the commercial invoice is issued before the
   * shipment row is written, so a recorded cross-border shipment always has its invoice.
   */
  shipment?: ShipmentRecord;
  /** SKUs that are hazardous materials (the BOL marks their handling units HM). */
  hazmatSkus?: string[];
  /** Printed on the BOL. */
  specialInstructions?: string;
  /** Commercial invoice: Incoterms 2020 rule (default from config), HS codes and origins per SKU. */
  incoterms?: string;
  hsCodes?: Record<string, string>;
  originCountries?: Record<string, string>;
}

const shipmentIdOfTicket = (ticketId: string) => `sh_${ticketId.replace(/^pt_/, '')}`;
const ticketIdOfShipment = (shipmentId: string) => `pt_${shipmentId.replace(/^sh_/, '')}`;
const objectKey = (orderId: string, id: string) => `documents/${orderId}/${id}.pdf`;

/**
 * Issues one document of an order (docs/paperwork.md): renders the PDF from the order's stored data, stores
 * it write-once in the bucket with its retention, and records a Document row (conditional put). Issuing
 * again returns the first record: the id is derived from the type and the ticket or shipment it covers.
 */
export async function issueDocument(deps: Deps, input: IssueDocumentInput): Promise<DocumentRecord> {
  return (await issueDocumentOnce(deps, input)).record;
}

/** `issueDocument`, telling whether this call issued it (`created`) or found it issued before. */
export async function issueDocumentOnce(
  deps: Deps,
  input: IssueDocumentInput,
): Promise<{ record: DocumentRecord; created: boolean }> {
  const scope = scopeOf(input);
  if (scope) {
    const existing = await getDocument(deps, input.orderId, documentId(input.type, scope));
    if (existing) return { record: existing, created: false };
  }
  const aggregate = await getOrderAggregate(deps, input.orderId);
  if (!aggregate) throw new NotFoundError(`order ${input.orderId} does not exist`);
  const target = resolveTarget(aggregate, input);
  const id = documentId(input.type, target.scopeId);
  if (!scope) {
    const existing = await getDocument(deps, input.orderId, id);
    if (existing) return { record: existing, created: false };
  }
  const origin = await getLocation(deps, target.locationId);
  if (!origin) throw new NotFoundError(`location ${target.locationId} does not exist`);
  const content = await buildContent(deps, aggregate, origin, target, input);
  const bytes = await renderPdf(content);
  const documentDate = content.metadata?.creationDate ?? deps.clock.now().toISOString();
  const retainUntil = addYears(documentDate, documentSettings.retentionYears[input.type]);
  const key = objectKey(input.orderId, id);
  let stored = { bytes, sha256: sha256(bytes) };
  const put = await deps.objects.put(key, bytes, 'application/pdf', {
    onlyIfAbsent: true,
    metadata: {
      'document-type': input.type,
      'order-id': input.orderId,
      'document-id': id,
      sha256: stored.sha256,
      'retain-until': retainUntil,
    },
    retention: { mode: documentSettings.retentionMode, retainUntil },
  });
  if (put.created === false) {
    // An earlier attempt stored the object and stopped before its row: record what is in the bucket.
    const earlier = await deps.objects.get(key);
    if (earlier) stored = { bytes: earlier, sha256: sha256(earlier) };
  }
  const record: DocumentRecord = {
    id,
    orderId: input.orderId,
    type: input.type,
    ...(target.shipmentId ? { shipmentId: target.shipmentId } : {}),
    ...(target.pickTicketId ? { pickTicketId: target.pickTicketId } : {}),
    key,
    contentType: 'application/pdf',
    size: stored.bytes.byteLength,
    sha256: stored.sha256,
    documentDate,
    retainUntil,
    retentionMode: documentSettings.retentionMode,
    createdAt: deps.clock.now().toISOString(),
  };
  if (await putDocument(deps, record)) return { record, created: true };
  const winner = await getDocument(deps, input.orderId, id);
  if (!winner) throw new ConflictError(`document ${id} of order ${input.orderId} is being issued; retry`);
  return { record: winner, created: false };
}

/** `GET /orders/{id}/documents`. */
export async function listOrderDocuments(deps: Deps, orderId: string): Promise<DocumentRecord[]> {
  const order = await getOrderRecord(deps, orderId);
  if (!order) throw new NotFoundError(`order ${orderId} does not exist`);
  return await listDocuments(deps, orderId);
}

/** `GET /orders/{id}/documents/{documentId}`: the record and the stored PDF. */
export async function readDocument(
  deps: Deps,
  orderId: string,
  id: string,
): Promise<{ record: DocumentRecord; bytes: Uint8Array }> {
  const record = await getDocument(deps, orderId, id);
  if (!record) throw new NotFoundError(`order ${orderId} has no document ${id}`);
  const bytes = await deps.objects.get(record.key);
  if (!bytes) throw new NotFoundError(`document ${id} of order ${orderId} is missing from the bucket`);
  return { record, bytes };
}

/** The id part a document is keyed on when the request names it; undefined when it must be looked up. */
function scopeOf(input: IssueDocumentInput): string | undefined {
  if (input.type === 'packing-slip') {
    if (input.pickTicketId) return input.pickTicketId;
    const shipmentId = input.shipmentId ?? input.shipment?.id;
    return shipmentId ? ticketIdOfShipment(shipmentId) : undefined;
  }
  return input.shipmentId ?? input.shipment?.id;
}

interface Target {
  scopeId: string;
  locationId: string;
  ticket?: PickTicketRecord;
  shipment?: ShipmentRecord;
  shipmentId?: string;
  pickTicketId?: string;
}

function resolveTarget(aggregate: OrderAggregate, input: IssueDocumentInput): Target {
  const { order } = aggregate;
  if (input.type === 'packing-slip') {
    const ticketId =
      input.pickTicketId ??
      (input.shipmentId ? ticketIdOfShipment(input.shipmentId) : undefined) ??
      (aggregate.pickTickets.length === 1 ? aggregate.pickTickets[0]?.id : undefined);
    if (!ticketId) {
      throw new UnprocessableError(
        `order ${order.id} has ${aggregate.pickTickets.length} pick tickets: name the pickTicketId or shipmentId`,
        { reason: 'ambiguous-ticket' },
      );
    }
    const ticket = aggregate.pickTickets.find((candidate) => candidate.id === ticketId);
    if (!ticket) throw new NotFoundError(`order ${order.id} has no pick ticket ${ticketId}`);
    const shipmentId = shipmentIdOfTicket(ticket.id);
    const shipment = aggregate.shipments.find((candidate) => candidate.id === shipmentId);
    return {
      scopeId: ticket.id,
      locationId: ticket.locationId,
      ticket,
      pickTicketId: ticket.id,
      ...(shipment ? { shipment, shipmentId } : {}),
    };
  }
  if (order.fulfillment?.type === 'pickup') {
    throw new UnprocessableError(`order ${order.id} is picked up in store: it has no shipment to document`, {
      reason: 'pickup-order',
    });
  }
  const shipmentId =
    input.shipmentId ??
    input.shipment?.id ??
    (aggregate.shipments.length === 1 ? aggregate.shipments[0]?.id : undefined);
  if (!shipmentId) {
    throw new UnprocessableError(
      aggregate.shipments.length === 0
        ? `order ${order.id} has no shipment yet: a ${input.type} is issued once its label is bought`
        : `order ${order.id} has ${aggregate.shipments.length} shipments: name the shipmentId`,
      { reason: aggregate.shipments.length === 0 ? 'no-shipment' : 'ambiguous-shipment' },
    );
  }
  const shipment =
    aggregate.shipments.find((candidate) => candidate.id === shipmentId) ??
    (input.shipment?.id === shipmentId ? input.shipment : undefined);
  if (!shipment) throw new NotFoundError(`order ${order.id} has no shipment ${shipmentId}`);
  const ticketId = shipment.pickTicketId ?? ticketIdOfShipment(shipment.id);
  const ticket = aggregate.pickTickets.find((candidate) => candidate.id === ticketId);
  return {
    scopeId: shipment.id,
    locationId: shipment.locationId,
    shipment,
    shipmentId: shipment.id,
    ...(ticket ? { ticket, pickTicketId: ticket.id } : {}),
  };
}

/** What leaves with a ticket: the units picked when the pick is confirmed, else the ticket's lines. */
function shippedLines(ticket: PickTicketRecord): { sku: string; quantity: number }[] {
  if (!ticket.picked) return ticket.lines.map(({ sku, quantity }) => ({ sku, quantity }));
  return ticket.lines
    .map((line) => ({ sku: line.sku, quantity: ticket.picked?.find((p) => p.sku === line.sku)?.picked ?? 0 }))
    .filter((line) => line.quantity > 0);
}

const partyOfLocation = (location: LocationRecord): Party => ({
  name: `${documentSettings.shipperName} - ${location.name}`,
  line1: location.address.line1,
  city: location.address.city,
  ...(location.address.region ? { region: location.address.region } : {}),
  postalCode: location.address.postalCode,
  country: location.address.country,
});

function partyOfOrder(aggregate: OrderAggregate): Party {
  const { order } = aggregate;
  const address = order.shippingAddress;
  return {
    name: address.name ?? order.customer.name ?? 'Customer',
    line1: address.line1,
    ...(address.line2 ? { line2: address.line2 } : {}),
    city: address.city,
    ...(address.region ? { region: address.region } : {}),
    postalCode: address.postalCode,
    country: address.country,
    ...(address.phone ? { phone: address.phone } : {}),
  };
}

async function buildContent(
  deps: Deps,
  aggregate: OrderAggregate,
  origin: LocationRecord,
  target: Target,
  input: IssueDocumentInput,
) {
  const { order } = aggregate;
  const names = new Map(order.lines.map((line) => [line.sku, line.name]));
  if (input.type === 'packing-slip') {
    const ticket = target.ticket as PickTicketRecord;
    if (ticket.status === 'open' && !ticket.packedAt) {
      throw new ConflictError(
        `pick ticket ${ticket.id} is not picked yet: its packing slip comes at packing`,
      );
    }
    return packingSlip({
      orderId: order.id,
      ...(order.orderNumber ? { orderNumber: order.orderNumber } : {}),
      pickTicketId: ticket.id,
      ...(target.shipmentId ? { shipmentId: target.shipmentId } : {}),
      date: ticket.packedAt ?? ticket.confirmedAt ?? ticket.createdAt,
      shipFrom: partyOfLocation(origin),
      shipTo: partyOfOrder(aggregate),
      lines: shippedLines(ticket).map((line) => ({
        ...line,
        ...(names.get(line.sku) ? { name: names.get(line.sku) } : {}),
      })),
      ...(ticket.cartons ? { cartons: ticket.cartons } : {}),
    });
  }
  const shipment = target.shipment as ShipmentRecord;
  const shipDate = (shipment as ShipmentRecord & { shipDate?: string }).shipDate ?? shipment.createdAt;
  const lines = target.ticket
    ? shippedLines(target.ticket)
    : order.lines.map(({ sku, quantity }) => ({ sku, quantity }));
  if (input.type === 'bill-of-lading') {
    const hazmat = new Set(input.hazmatSkus ?? []);
    const { parcels } = await parcelsForPick(deps, {
      lines,
      ...(target.ticket?.cartons ? { cartons: target.ticket.cartons } : {}),
    });
    const cartons = target.ticket?.cartons ?? [];
    const description = (skus: string[]) =>
      skus
        .map((sku) => names.get(sku) ?? sku)
        .join(', ')
        .slice(0, 120) || 'General merchandise';
    const accessorials = (shipment as ShipmentRecord & { accessorials?: string[] }).accessorials ?? [];
    return billOfLading({
      orderId: order.id,
      ...(order.orderNumber ? { orderNumber: order.orderNumber } : {}),
      bolNumber: shipment.id,
      shipmentId: shipment.id,
      shipDate,
      shipper: partyOfLocation(origin),
      consignee: partyOfOrder(aggregate),
      carrier: {
        name: shipment.carrier,
        scac: documentSettings.carrierScac[shipment.carrier] ?? 'n/a',
        service: shipment.service,
      },
      proNumber: (shipment as ShipmentRecord & { proNumber?: string }).proNumber ?? shipment.trackingNumber,
      handlingUnits: parcels.map((parcel, index) => {
        const skus = cartons[index]?.lines?.map((line) => line.sku) ?? lines.map((line) => line.sku);
        return {
          count: 1,
          type: 'CTN',
          weightLb: parcel.weightLb,
          lengthIn: parcel.lengthIn,
          widthIn: parcel.widthIn,
          heightIn: parcel.heightIn,
          description: description(skus),
          hazmat: skus.some((sku) => hazmat.has(sku)),
        };
      }),
      accessorials,
      ...(input.specialInstructions ? { specialInstructions: input.specialInstructions } : {}),
    });
  }
  if (!isCrossBorder(origin.address.country, order.shippingAddress.country)) {
    throw new UnprocessableError(
      `shipment ${shipment.id} goes from ${origin.address.country} to ${order.shippingAddress.country}: a commercial invoice is only for cross-border shipments`,
      { reason: 'domestic-shipment' },
    );
  }
  const orderLines = new Map(order.lines.map((line) => [line.sku, line]));
  const value = (line: { sku: string; quantity: number }) =>
    (orderLines.get(line.sku)?.unitPrice ?? 0) * line.quantity;
  // The order's shipping charge, split over its shipments by the value of the goods each carries.
  const shipmentIds = [...new Set([...aggregate.shipments.map((s) => s.id), shipment.id])].sort();
  const weights = shipmentIds.map((id) => {
    const ticket = aggregate.pickTickets.find((candidate) => shipmentIdOfTicket(candidate.id) === id);
    return ticket ? shippedLines(ticket).reduce((sum, line) => sum + value(line), 0) : 0;
  });
  const freight = shareOf(order.totals.shipping, weights, shipmentIds.indexOf(shipment.id));
  return commercialInvoice({
    orderId: order.id,
    ...(order.orderNumber ? { orderNumber: order.orderNumber } : {}),
    invoiceNumber: `CI-${shipment.id}`,
    shipmentId: shipment.id,
    date: shipDate,
    exporter: partyOfLocation(origin),
    importer: { ...partyOfOrder(aggregate), email: order.customer.email },
    carrier: { name: shipment.carrier, trackingNumber: shipment.trackingNumber },
    currency: order.currency,
    incoterms: input.incoterms ?? documentSettings.incoterms,
    lines: lines.map((line) => {
      const ordered = orderLines.get(line.sku);
      return {
        sku: line.sku,
        description: ordered?.name ?? line.sku,
        ...(input.hsCodes?.[line.sku] ? { hsCode: input.hsCodes[line.sku] } : {}),
        quantity: line.quantity,
        unitPrice: ordered?.unitPrice ?? 0,
        discount: ordered ? Math.round((ordered.discount * line.quantity) / ordered.quantity) : 0,
        originCountry: input.originCountries?.[line.sku] ?? documentSettings.defaultOriginCountry,
      };
    }),
    freight,
    insurance: documentSettings.insurance,
  });
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The same calendar day `years` later (29 February → 28 February), at the same time, UTC. */
export function addYears(iso: string, years: number): string {
  const date = new Date(iso);
  const target = new Date(date);
  target.setUTCFullYear(date.getUTCFullYear() + years);
  if (target.getUTCMonth() !== date.getUTCMonth()) target.setUTCDate(0);
  return target.toISOString();
}
