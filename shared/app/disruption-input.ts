import { z } from 'zod';
import { carrierServices } from '../config/carriers.js';
import { DISRUPTION_KINDS, MAX_WINDOW_DAYS, MAX_WINDOW_MS, SEVERITIES } from '../domain/disruptions.js';

const ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The carriers the rate tables know: a disruption naming another one is refused (400). */
export const knownCarriers = [...new Set(carrierServices.map((service) => service.carrier))];

/** An ISO date-time with a zone, stored as UTC (`toISOString()`), so windows compare as strings. */
const instant = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value).toISOString())
  .refine((value) => value >= '2000-01-01' && value < '2100-01-01', 'must be between 2000 and 2099');

/**
 * Degrees, kept to 7 decimals (about a centimetre): DynamoDB cannot store a magnitude below 1e-130, so a
 * denormal coordinate would fail the write instead of meaning 0 (as in shared/app/location-input.ts).
 */
const degrees = (limit: number) =>
  z
    .number()
    .min(-limit)
    .max(limit)
    .transform((value) => Math.round(value * 1e7) / 1e7 || 0);

const AreaSchema = z
  .strictObject({
    postalPrefixes: z
      .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 -]{0,9}$/, 'letters, digits, space or dash, 1-10'))
      .min(1, 'give at least one prefix')
      .max(1000)
      .optional(),
    center: z.strictObject({ lat: degrees(90), lon: degrees(180) }).optional(),
    radiusKm: z
      .number()
      .gt(0, 'must be greater than 0')
      .max(5000)
      .transform((value) => Math.round(value * 1000) / 1000)
      .refine((value) => value > 0, 'must be at least 0.001 km')
      .optional(),
  })
  .superRefine((area, context) => {
    const prefixes = area.postalPrefixes !== undefined;
    const circle = area.center !== undefined || area.radiusKm !== undefined;
    if (prefixes && circle) {
      context.addIssue({ code: 'custom', message: 'give postalPrefixes or center and radiusKm, not both' });
    } else if (!prefixes && !circle) {
      context.addIssue({ code: 'custom', message: 'give postalPrefixes, or center and radiusKm' });
    } else if (circle && area.center === undefined) {
      context.addIssue({ code: 'custom', path: ['center'], message: 'required with radiusKm' });
    } else if (circle && area.radiusKm === undefined) {
      context.addIssue({ code: 'custom', path: ['radiusKm'], message: 'required with center' });
    }
  })
  .transform((area) =>
    area.postalPrefixes !== undefined
      ? { postalPrefixes: area.postalPrefixes }
      : { center: area.center as { lat: number; lon: number }, radiusKm: area.radiusKm as number },
  );

/** `POST /disruptions` body. */
export const DisruptionInputSchema = z
  .strictObject({
    /** The client's id: a retried POST with the same id is applied once. Else `Idempotency-Key` names it. */
    id: z.string().regex(ID, 'letters, digits, dot, dash and underscore only, 1-64').optional(),
    kind: z.enum(DISRUPTION_KINDS),
    severity: z.enum(SEVERITIES),
    startsAt: instant,
    endsAt: instant,
    area: AreaSchema,
    carriers: z
      .array(z.string().refine((name) => knownCarriers.includes(name), 'unknown carrier'))
      .min(1)
      .max(20)
      .optional(),
    locations: z.array(z.string().regex(ID, 'not a location id')).min(1).max(100).optional(),
    description: z.string().max(500).optional(),
  })
  .superRefine((input, context) => {
    const span = Date.parse(input.endsAt) - Date.parse(input.startsAt);
    if (span <= 0) {
      context.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be after startsAt' });
    } else if (span > MAX_WINDOW_MS) {
      context.addIssue({
        code: 'custom',
        path: ['endsAt'],
        message: `a window is at most ${MAX_WINDOW_DAYS} days; post a longer disruption in parts`,
      });
    }
    if (input.kind === 'carrier-outage' && input.carriers === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['carriers'],
        message: 'a carrier-outage names its carriers',
      });
    }
    if (input.kind === 'weather' && input.carriers !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['carriers'],
        message: 'only a carrier-outage names carriers',
      });
    }
  });

export type DisruptionInput = z.output<typeof DisruptionInputSchema>;
