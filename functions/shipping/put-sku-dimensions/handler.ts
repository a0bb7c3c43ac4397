import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { SkuSchema } from '../../../shared/app/location-input.js';
import { setSkuDimensions } from '../../../shared/app/shipping.js';
import { parseWith } from '../../../shared/domain/validation.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

/**
 * At least a thousandth of an inch or pound: anything smaller means nothing for a parcel, and DynamoDB cannot
 * store a magnitude below 1e-130 (5e-324 would fail the write with a 500 instead of a 400 on the field).
 */
const MIN_MEASURE = 0.001;
const measure = (max: number) => z.number().min(MIN_MEASURE, `at least ${MIN_MEASURE}`).max(max);
const PathSchema = z.object({ sku: SkuSchema });
const BodySchema = z.strictObject({
  lengthIn: measure(200),
  widthIn: measure(200),
  heightIn: measure(200),
  weightLb: measure(2000),
});

/** PUT /skus/{sku}/dimensions — per-unit size and weight, for parcel estimates when no carton is recorded. */
export const handler = apiHandler(async (event) => {
  const { sku } = parseWith(PathSchema, event.pathParameters ?? {});
  const body = jsonBody(event, BodySchema);
  return json(200, await setSkuDimensions(deps(), { sku, ...body }));
});
