import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { issueDocumentOnce } from '../../../shared/app/documents.js';
import { DOCUMENT_TYPES } from '../../../shared/domain/documents.js';
import { NotFoundError } from '../../../shared/domain/errors.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const id = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'not an id');
const sku = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'not a SKU');
const country = z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 country code, upper case');

const BodySchema = z.strictObject({
  type: z.enum(DOCUMENT_TYPES),
  shipmentId: id.optional(),
  pickTicketId: id.optional(),
  hazmatSkus: z.array(sku).max(100).optional(),
  specialInstructions: z.string().max(500).optional(),
  incoterms: z.enum(['EXW', 'FCA', 'CPT', 'CIP', 'DAP', 'DPU', 'DDP', 'FAS', 'FOB', 'CFR', 'CIF']).optional(),
  hsCodes: z.record(sku, z.string().regex(/^\d{4}(\.?\d{2}){0,3}$/, 'HS code: 6 to 10 digits')).optional(),
  originCountries: z.record(sku, country).optional(),
});

/**
 * POST /orders/{id}/documents — issues one document explicitly (a BOL for a freight shipment, a commercial
 * invoice); issuing again returns the first one (200 instead of 201). 422 with a reason when it does not apply.
 */
export const handler = apiHandler(async (event) => {
  const orderId = event.pathParameters?.id ?? '';
  if (!/^ord_[a-z0-9]{1,40}$/.test(orderId)) throw new NotFoundError(`order ${orderId} does not exist`);
  const body = jsonBody(event, BodySchema);
  const { record, created } = await issueDocumentOnce(deps(), { orderId, ...body });
  return json(created ? 201 : 200, record, { location: `/orders/${orderId}/documents/${record.id}` });
});
