import '../../../shared/runtime/aws.js';
import { listOrderDocuments } from '../../../shared/app/documents.js';
import { NotFoundError } from '../../../shared/domain/errors.js';
import { apiHandler, json } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** GET /orders/{id}/documents — the order's issued paperwork (docs/paperwork.md). */
export const handler = apiHandler(async (event) => {
  const id = event.pathParameters?.id ?? '';
  if (!/^ord_[a-z0-9]{1,40}$/.test(id)) throw new NotFoundError(`order ${id} does not exist`);
  const documents = await listOrderDocuments(deps(), id);
  return json(200, {
    items: documents.map((document) => ({
      id: document.id,
      type: document.type,
      ...(document.shipmentId ? { shipmentId: document.shipmentId } : {}),
      ...(document.pickTicketId ? { pickTicketId: document.pickTicketId } : {}),
      key: document.key,
      contentType: document.contentType,
      size: document.size,
      sha256: document.sha256,
      documentDate: document.documentDate,
      retainUntil: document.retainUntil,
      retentionMode: document.retentionMode,
      createdAt: document.createdAt,
      href: `/orders/${id}/documents/${document.id}`,
    })),
  });
});
