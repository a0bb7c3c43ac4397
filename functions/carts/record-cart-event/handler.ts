import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { recordCartEvent } from '../../../shared/app/carts.js';
import { CartEventSchema, CartIdSchema } from '../../../shared/domain/carts.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const PathSchema = z.object({ id: CartIdSchema });

/**
 * POST /carts/{id}/events — one storefront event about a cart (item added or removed, checkout started,
 * shipping options shown, checkout completed). `outcome` says whether it changed the cart (`applied`), was
 * seen before (`duplicate`) or is older than what the cart holds (`ignored`).
 */
export const handler = apiHandler(async (event) => {
  const { id } = parseWith(PathSchema, event.pathParameters ?? {});
  const body = jsonBody(event, CartEventSchema);
  return json(200, await recordCartEvent(deps(), id, body));
});
