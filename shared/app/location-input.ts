import { z } from 'zod';

const ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Degrees, kept to 7 decimals (about a centimetre). More would be noise, and DynamoDB cannot store a
 * magnitude below 1e-130 at all: such a coordinate would fail the write instead of meaning 0.
 */
const degrees = (limit: number) =>
  z
    .number()
    .min(-limit)
    .max(limit)
    .transform((value) => Math.round(value * 1e7) / 1e7 || 0);

/** A location as the API accepts it; the id comes from the body (POST) or the path (PUT). */
/** An IANA time zone name the runtime knows (locations' cut-off, shipping quotes). */
export const TimeZoneSchema = z
  .string()
  .max(64)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'an IANA time zone such as America/New_York');

export const LocationBodySchema = z.strictObject({
  kind: z.enum(['warehouse', 'store']),
  name: z.string().min(1).max(200),
  address: z.strictObject({
    line1: z.string().min(1).max(200),
    city: z.string().min(1).max(100),
    region: z.string().max(100).optional(),
    postalCode: z.string().min(1).max(20),
    country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 country code, upper case'),
    coordinates: z.strictObject({ lat: degrees(90), lon: degrees(180) }).optional(),
  }),
  shipsToHome: z.boolean(),
  pickup: z.boolean(),
  dailyCapacity: z.number().int().min(0).max(1_000_000).default(0),
  cutoffTime: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour, in the location time zone (UTC without one)')
    .default('23:59'),
  /** IANA time zone the cut-off time is read in (docs/shipping.md). */
  timeZone: TimeZoneSchema.optional(),
});

export const LocationIdSchema = z.string().regex(ID, 'letters, digits, dot, dash and underscore only');
export const SkuSchema = z.string().regex(ID, 'letters, digits, dot, dash and underscore only');
