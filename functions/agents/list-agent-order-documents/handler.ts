import '../../../shared/runtime/aws.js';
import { listOrderDocuments } from '../../../shared/app/documents.js';
import { NotFoundError } from '../../../shared/domain/errors.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/**
 * GET /agent/orders/{id}/documents — the order's issued paperwork as the console lists it: what was issued,
 * for which shipment, when. The PDFs themselves stay behind the internal API (docs/paperwork.md); an agent
 * answering "did my invoice go out?" needs the list, not the bucket.
 */
export const handler = apiHandler(
  async (event) => {
    const id = event.pathParameters?.id ?? '';
    if (!/^ord_[a-z0-9]{1,40}$/.test(id)) throw new NotFoundError(`order ${id} does not exist`);
    const documents = await listOrderDocuments(deps(), id);
    return json(200, {
      documents: documents.map((document) => ({
        id: document.id,
        type: document.type,
        ...(document.shipmentId ? { shipmentId: document.shipmentId } : {}),
        ...(document.pickTicketId ? { pickTicketId: document.pickTicketId } : {}),
        size: document.size,
        documentDate: document.documentDate,
        createdAt: document.createdAt,
      })),
    });
  },
  { auth: 'agent' },
);
