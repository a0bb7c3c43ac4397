import '../../../shared/runtime/aws.js';
import { readDocument } from '../../../shared/app/documents.js';
import { NotFoundError } from '../../../shared/domain/errors.js';
import { apiHandler, binary } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/** GET /orders/{id}/documents/{documentId} — the stored PDF, byte for byte (docs/paperwork.md). */
export const handler = apiHandler(async (event) => {
  const id = event.pathParameters?.id ?? '';
  const documentId = event.pathParameters?.documentId ?? '';
  if (!/^ord_[a-z0-9]{1,40}$/.test(id) || !/^[a-z]{2,3}_[A-Za-z0-9_]{1,80}$/.test(documentId)) {
    throw new NotFoundError(`order ${id} has no document ${documentId}`);
  }
  const { record, bytes } = await readDocument(deps(), id, documentId);
  return binary(200, bytes, record.contentType, {
    'content-disposition': `inline; filename="${record.id}.pdf"`,
    etag: `"${record.sha256}"`,
    'cache-control': 'private, max-age=86400, immutable',
  });
});
