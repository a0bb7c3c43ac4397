import { validationErrorFrom } from './validation.js';

/**
 * LTL freight class from density (pounds per cubic foot), per the NMFC density scales.
 *
 * Sources (NMFC, National Motor Freight Traffic Association):
 * - 11-tier scale: the density sub-provisions used by NMFC density items before Docket 2025-1, e.g. item
 *   69100 subs 1–11 ("Less than 1" class 400 … "30 or greater" class 60), as republished at
 *   https://www.gokoho.com/nmfc-codes/internal-combustion-engine-filter-elements-69100.
 * - 13-tier scale: NMFC Docket 2025-1 (issued 2025-01-30, effective 2025-07-19, see
 *   https://nmfta.zendesk.com/hc/en-us/articles/32796333197595-Classification-FAQs), which extends the
 *   scale with 30–<35 → 60, 35–<50 → 55 and 50 or greater → 50.
 *
 * Each tier reads "at least `minDensity` but less than the next tier's `minDensity`", so a density exactly
 * on a breakpoint belongs to the denser (lower) class.
 */
export type DensityScale = '13-tier' | '11-tier';

export interface DensityTier {
  /** Lower bound, inclusive, in lb/ft³. */
  readonly minDensity: number;
  readonly freightClass: string;
}

export const elevenTierScale: readonly DensityTier[] = [
  { minDensity: 0, freightClass: '400' },
  { minDensity: 1, freightClass: '300' },
  { minDensity: 2, freightClass: '250' },
  { minDensity: 4, freightClass: '175' },
  { minDensity: 6, freightClass: '125' },
  { minDensity: 8, freightClass: '100' },
  { minDensity: 10, freightClass: '92.5' },
  { minDensity: 12, freightClass: '85' },
  { minDensity: 15, freightClass: '70' },
  { minDensity: 22.5, freightClass: '65' },
  { minDensity: 30, freightClass: '60' },
];

/** Docket 2025-1 kept the eleven tiers and split "30 and over" at 35 and 50. */
export const thirteenTierScale: readonly DensityTier[] = [
  ...elevenTierScale,
  { minDensity: 35, freightClass: '55' },
  { minDensity: 50, freightClass: '50' },
];

/** First ship date (inclusive, calendar date) on which NMFC Docket 2025-1's 13-tier scale applies. */
export const thirteenTierEffectiveDate = '2025-07-19';

export const densityScales: Readonly<Record<DensityScale, readonly DensityTier[]>> = {
  '13-tier': thirteenTierScale,
  '11-tier': elevenTierScale,
};

export interface FreightClassInput {
  weightLb: number;
  lengthIn: number;
  widthIn: number;
  heightIn: number;
  shipDate: Date | string;
  scale?: DensityScale;
}

export interface FreightClassResult {
  densityLbPerFt3: number;
  freightClass: string;
  scale: DensityScale;
}

/** Calendar date (YYYY-MM-DD) of a ship date: a plain date as given, a timestamp by its UTC date. */
function shipDay(value: Date | string): string | undefined {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    // Date.parse rolls a day that does not exist (2026-02-30) into the next month: it must survive a round trip.
    const at = Date.parse(`${value}T00:00:00Z`);
    return Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== value ? undefined : value;
  }
  const date = typeof value === 'string' ? new Date(value) : value;
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) return undefined;
  return date.toISOString().slice(0, 10);
}

/** The scale in force on a ship date: 13-tier from 2025-07-19 on, 11-tier before. */
export function scaleOn(shipDate: string): DensityScale {
  return shipDate >= thirteenTierEffectiveDate ? '13-tier' : '11-tier';
}

export function classForDensity(density: number, scale: DensityScale): string {
  let chosen = densityScales[scale][0]?.freightClass ?? '400';
  for (const tier of densityScales[scale]) {
    if (density >= tier.minDensity) chosen = tier.freightClass;
  }
  return chosen;
}

/**
 * Density (lb / (L×W×H/1728)) and the NMFC class it falls in. `scale` overrides the ship-date rule.
 * Throws a ValidationError naming each bad field.
 */
export function nmfcClass(input: FreightClassInput): FreightClassResult {
  const issues: { field: string; message: string }[] = [];
  for (const field of ['weightLb', 'lengthIn', 'widthIn', 'heightIn'] as const) {
    const value = input[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      issues.push({ field, message: 'must be a number greater than 0' });
    }
  }
  const day = shipDay(input.shipDate);
  if (day === undefined)
    issues.push({ field: 'shipDate', message: 'must be a date (YYYY-MM-DD) or timestamp' });
  if (input.scale !== undefined && !(input.scale in densityScales)) {
    issues.push({ field: 'scale', message: "must be '13-tier' or '11-tier'" });
  }
  if (issues.length > 0 || day === undefined) throw validationErrorFrom(issues);
  // weight × 1728 / in³ rather than weight / (in³ / 1728): one division, so a density exactly on a
  // breakpoint (1000 lb on 48 × 40 × 60 in is 15 lb/ft³) is not 14.999… and one class too high.
  const density = (input.weightLb * 1728) / (input.lengthIn * input.widthIn * input.heightIn);
  const scale = input.scale ?? scaleOn(day);
  return {
    densityLbPerFt3: density,
    freightClass: classForDensity(density, scale),
    scale,
  };
}
