import '../../../shared/runtime/aws.js';
import { z } from 'zod';
import { LocationIdSchema, TimeZoneSchema } from '../../../shared/app/location-input.js';
import { quoteShipping } from '../../../shared/app/shipping.js';
import { apiHandler, json, jsonBody } from '../../../shared/http/api.js';
import { deps } from '../../../shared/runtime/deps.js';

const positive = z.number().positive().finite();
const ParcelSchema = z.strictObject({
  lengthIn: positive.max(200),
  widthIn: positive.max(200),
  heightIn: positive.max(200),
  weightLb: positive.max(2000),
});

const BodySchema = z.strictObject({
  origin: z.union([
    z.strictObject({ locationId: LocationIdSchema }),
    z.strictObject({
      postalCode: z.string().min(1).max(20),
      cutoffTime: z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour')
        .optional(),
      timeZone: TimeZoneSchema.optional(),
    }),
  ]),
  destination: z.strictObject({
    postalCode: z.string().min(1).max(20),
    country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 country code, upper case'),
    residential: z.boolean().optional(),
    company: z.string().max(200).optional(),
  }),
  parcels: z.array(ParcelSchema).min(1).max(50),
  shipAt: z.iso.datetime({ offset: true }).optional(),
  promiseDate: z.iso.date(),
  avoidCarriers: z.array(z.string().min(1).max(40)).max(20).optional(),
});

/** POST /shipping/quotes — every carrier service priced for the parcels, kept or not and why, and the choice. */
export const handler = apiHandler(async (event) =>
  json(200, await quoteShipping(deps(), jsonBody(event, BodySchema))),
);
