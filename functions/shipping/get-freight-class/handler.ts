import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { nmfcClass } from '../../../shared/domain/freight-class.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';

const positive = z.number().positive().finite();
const BodySchema = z.object({
  weightLb: positive,
  lengthIn: positive,
  widthIn: positive,
  heightIn: positive,
  shipDate: z
    .string()
    .refine((value) => !Number.isNaN(Date.parse(value)), 'must be a date (YYYY-MM-DD) or timestamp'),
  scale: z.enum(['13-tier', '11-tier']).optional(),
});

/** POST /shipping/freight-class — NMFC density and LTL freight class of one handling unit (docs/shipping.md). */
export const handler = apiHandler(async (event) => {
  const body = jsonBody(event, BodySchema);
  const result = nmfcClass(body);
  return json(200, {
    ...result,
    densityLbPerFt3: Math.round(result.densityLbPerFt3 * 1000) / 1000,
    cubicFeet: Math.round(((body.lengthIn * body.widthIn * body.heightIn) / 1728) * 1000) / 1000,
  });
});
