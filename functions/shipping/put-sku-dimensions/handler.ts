import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { SkuSchema } from '../../../shared/app/location-input.js';
import { setSkuDimensions } from '../../../shared/app/shipping.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const positive = z.number().positive().finite();
const PathSchema = z.object({ sku: SkuSchema });
const BodySchema = z.strictObject({
  lengthIn: positive.max(200),
  widthIn: positive.max(200),
  heightIn: positive.max(200),
  weightLb: positive.max(2000),
});

/** PUT /skus/{sku}/dimensions — per-unit size and weight, for parcel estimates when no carton is recorded. */
export const handler = apiHandler(async (event) => {
  const { sku } = parseWith(PathSchema, event.pathParameters ?? {});
  const body = jsonBody(event, BodySchema);
  return json(200, await setSkuDimensions(deps(), { sku, ...body }));
});
