import type { CarrierService } from '../config/carriers.js';
import { UnprocessableError } from './errors.js';

export interface RateOption {
  carrier: string;
  service: string;
  zone: number;
  cost: number;
  transitDays: number;
  estimatedDelivery: string;
  meetsPromise: boolean;
}

export function shippingZone(fromPostalCode: string, toPostalCode: string): number {
  const from = Number.parseInt(fromPostalCode.charAt(0), 10);
  const to = Number.parseInt(toPostalCode.charAt(0), 10);
  if (Number.isNaN(from) || Number.isNaN(to)) return 8;
  return Math.min(8, 1 + Math.abs(from - to));
}

/** Adds business days (Monday to Friday) to a date, in UTC. */
export function addBusinessDays(start: Date, days: number): Date {
  const date = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
  let left = days;
  while (left > 0) {
    date.setUTCDate(date.getUTCDate() + 1);
    const day = date.getUTCDay();
    if (day !== 0 && day !== 6) left -= 1;
  }
  return date;
}

/**
 * Prices every service for the parcel and keeps the cheapest one that arrives by the promise date; ties go
 * to shorter transit, then carrier preference. When none meets the promise, the fastest one is used so the
 * order still ships (the delay is visible on the option).
 */
export function rateShop(input: {
  services: readonly CarrierService[];
  fromPostalCode: string;
  toPostalCode: string;
  weightGrams: number;
  shipDate: Date;
  promiseDate: Date;
}): { chosen: RateOption; options: RateOption[] } {
  if (input.services.length === 0) throw new UnprocessableError('no carrier services are configured');
  const zone = shippingZone(input.fromPostalCode, input.toPostalCode);
  const kilograms = Math.max(1, Math.ceil(input.weightGrams / 1000));
  const options = input.services.map((service) => {
    const base = service.baseByZone[zone - 1] ?? service.baseByZone.at(-1) ?? 0;
    const transitDays = service.transitDaysByZone[zone - 1] ?? service.transitDaysByZone.at(-1) ?? 0;
    const delivery = addBusinessDays(input.shipDate, transitDays);
    return {
      carrier: service.carrier,
      service: service.service,
      zone,
      cost: base + service.perKg * (kilograms - 1),
      transitDays,
      estimatedDelivery: delivery.toISOString().slice(0, 10),
      meetsPromise: delivery.getTime() <= input.promiseDate.getTime(),
      preference: service.preference,
    };
  });
  const byCost = [...options].sort(
    (a, b) => a.cost - b.cost || a.transitDays - b.transitDays || a.preference - b.preference,
  );
  const byTransit = [...options].sort((a, b) => a.transitDays - b.transitDays || a.cost - b.cost);
  const chosen = byCost.find((option) => option.meetsPromise) ?? byTransit[0];
  if (!chosen) throw new UnprocessableError('no carrier service could be priced');
  const strip = ({ preference: _preference, ...option }: (typeof options)[number]): RateOption => option;
  return { chosen: strip(chosen), options: options.map(strip) };
}
