import { carrierPreference, carrierRateCards, defaultSkuDimensions } from '../config/carriers.js';
import { NotFoundError } from '../domain/errors.js';
import type { Carton } from '../domain/pick.js';
import {
  estimateParcel,
  isResidential,
  type Parcel,
  type QuoteResult,
  shopRates,
} from '../domain/rate-shopping.js';
import type { Deps } from '../runtime/deps.js';
import { getLocation } from '../store/locations.js';
import { putSkuDimensions, type SkuDimensionsRecord, skuDimensionsFor } from '../store/sku-dimensions.js';

/**
 * The parcels of a pick: its recorded cartons when there are some, else one parcel estimated from the
 * per-unit dimensions of its SKUs (one BatchGetItem; a SKU without an entry uses `defaultSkuDimensions`).
 */
export async function parcelsForPick(
  deps: Deps,
  ticket: { lines: readonly { sku: string; quantity: number }[]; cartons?: readonly Carton[] },
): Promise<{ parcels: Parcel[]; source: 'cartons' | 'sku-dimensions' }> {
  const cartons = ticket.cartons ?? [];
  if (cartons.length > 0) {
    return {
      parcels: cartons.map(({ lengthIn, widthIn, heightIn, weightLb }) => ({
        lengthIn,
        widthIn,
        heightIn,
        weightLb,
      })),
      source: 'cartons',
    };
  }
  const known = await skuDimensionsFor(deps, [...new Set(ticket.lines.map((line) => line.sku))]);
  const units = ticket.lines.map((line) => ({
    ...(known.get(line.sku) ?? defaultSkuDimensions),
    quantity: line.quantity,
  }));
  return { parcels: [estimateParcel(units)], source: 'sku-dimensions' };
}

export interface QuoteInput {
  origin: { locationId: string } | { postalCode: string; cutoffTime?: string; timeZone?: string };
  destination: { postalCode: string; country: string; residential?: boolean; company?: string };
  parcels: Parcel[];
  shipAt?: string;
  promiseDate: string;
  avoidCarriers?: string[];
}

/** `POST /shipping/quotes`: every configured service priced for the parcels, and the one rate shopping picks. */
export async function quoteShipping(
  deps: Deps,
  input: QuoteInput,
): Promise<
  QuoteResult & {
    origin: { locationId?: string; postalCode: string; cutoffTime: string; timeZone: string };
    residential: boolean;
    shipAt: string;
  }
> {
  let origin: { locationId?: string; postalCode: string; cutoffTime: string; timeZone?: string };
  if ('locationId' in input.origin) {
    const location = await getLocation(deps, input.origin.locationId);
    if (!location) throw new NotFoundError(`location ${input.origin.locationId} does not exist`);
    origin = {
      locationId: location.id,
      postalCode: location.address.postalCode,
      cutoffTime: location.cutoffTime,
      ...(location.timeZone ? { timeZone: location.timeZone } : {}),
    };
  } else {
    origin = {
      postalCode: input.origin.postalCode,
      cutoffTime: input.origin.cutoffTime ?? '23:59',
      ...(input.origin.timeZone ? { timeZone: input.origin.timeZone } : {}),
    };
  }
  const at = input.shipAt ? new Date(input.shipAt) : deps.clock.now();
  const residential = isResidential(input.destination);
  const result = shopRates({
    rateCards: carrierRateCards,
    preference: carrierPreference,
    origin,
    destination: {
      postalCode: input.destination.postalCode,
      country: input.destination.country,
      residential,
    },
    parcels: input.parcels,
    at,
    promiseDate: input.promiseDate,
    ...(input.avoidCarriers ? { avoidCarriers: input.avoidCarriers } : {}),
  });
  return {
    ...result,
    origin: { ...origin, timeZone: origin.timeZone ?? 'UTC' },
    residential,
    shipAt: at.toISOString(),
  };
}

/** `PUT /skus/{sku}/dimensions`: the per-unit size and weight parcels are estimated from. */
export async function setSkuDimensions(
  deps: Deps,
  input: Omit<SkuDimensionsRecord, 'updatedAt'>,
): Promise<SkuDimensionsRecord> {
  const record = { ...input, updatedAt: deps.clock.now().toISOString() };
  await putSkuDimensions(deps, record);
  return record;
}
