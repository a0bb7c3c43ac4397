import type { CarrierRateCard, CarrierService, FuelBase, HolidayRule } from '../config/carriers.js';
import { UnprocessableError } from './errors.js';
import { validationErrorFrom } from './validation.js';

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

// ---------------------------------------------------------------------------------------------------------
// Rate shopping on carrier rate cards (docs/shipping.md): billable weight, surcharges, each carrier's own
// business days and the origin's cut-off time. Plain functions; dates are calendar days `YYYY-MM-DD`.
// ---------------------------------------------------------------------------------------------------------

export interface Parcel {
  lengthIn: number;
  widthIn: number;
  heightIn: number;
  weightLb: number;
}

export interface BillableWeight {
  actualLb: number;
  cubicIn: number;
  /** Present when the carrier's dimensional rule applies to the parcel. */
  divisor?: number;
  /** L×W×H / divisor, unrounded (2 decimals), when it applies. */
  dimensionalLb?: number;
  basis: 'actual' | 'dimensional';
  /** The larger of the two, rounded up to the next whole pound. */
  billableLb: number;
  /** In words, e.g. "dimensional: 2592 in³ / 166 = 15.61 lb > actual 3 lb; rounded up to 16 lb". */
  derivation: string;
}

const roundUpLb = (value: number) => Math.max(1, Math.ceil(value - 1e-9));
const twoDecimals = (value: number) => Math.round(value * 100) / 100;

/** Billable weight of one parcel on one carrier's card. */
export function billableWeight(parcel: Parcel, dimensional: CarrierRateCard['dimensional']): BillableWeight {
  const cubicIn = parcel.lengthIn * parcel.widthIn * parcel.heightIn;
  const applies = dimensional.minCubicIn === undefined || cubicIn > dimensional.minCubicIn;
  if (!applies) {
    const billableLb = roundUpLb(parcel.weightLb);
    return {
      actualLb: parcel.weightLb,
      cubicIn,
      basis: 'actual',
      billableLb,
      derivation: `actual: ${cubicIn} in³ is not above ${dimensional.minCubicIn} in³, so no dimensional weight; ${parcel.weightLb} lb rounded up to ${billableLb} lb`,
    };
  }
  const dimensionalLb = cubicIn / dimensional.divisor;
  const basis = dimensionalLb > parcel.weightLb ? 'dimensional' : 'actual';
  const billableLb = roundUpLb(Math.max(dimensionalLb, parcel.weightLb));
  const shown = twoDecimals(dimensionalLb);
  return {
    actualLb: parcel.weightLb,
    cubicIn,
    divisor: dimensional.divisor,
    dimensionalLb: shown,
    basis,
    billableLb,
    derivation:
      basis === 'dimensional'
        ? `dimensional: ${cubicIn} in³ / ${dimensional.divisor} = ${shown} lb > actual ${parcel.weightLb} lb; rounded up to ${billableLb} lb`
        : `actual: ${parcel.weightLb} lb ≥ dimensional ${cubicIn} in³ / ${dimensional.divisor} = ${shown} lb; rounded up to ${billableLb} lb`,
  };
}

/** Zone on a card's chart: the row with the longest matching origin prefix, then destination prefix. */
export function zoneOnCard(
  card: CarrierRateCard,
  fromPostalCode: string,
  toPostalCode: string,
): number | undefined {
  let best: { zone: number; origin: number; destination: number } | undefined;
  for (const row of card.zones) {
    if (!fromPostalCode.startsWith(row.origin) || !toPostalCode.startsWith(row.destination)) continue;
    if (
      !best ||
      row.origin.length > best.origin ||
      (row.origin.length === best.origin && row.destination.length > best.destination)
    ) {
      best = { zone: row.zone, origin: row.origin.length, destination: row.destination.length };
    }
  }
  return best?.zone;
}

// Calendar arithmetic on `YYYY-MM-DD`, through UTC midnight.
const toDay = (date: Date) => date.toISOString().slice(0, 10);
const fromDay = (day: string) => new Date(`${day}T00:00:00.000Z`);
export const addDays = (day: string, days: number): string => {
  const date = fromDay(day);
  date.setUTCDate(date.getUTCDate() + days);
  return toDay(date);
};
/** Whole calendar days from `from` to `to` (negative when `to` is earlier). */
export const daysBetween = (from: string, to: string): number =>
  Math.round((fromDay(to).getTime() - fromDay(from).getTime()) / 86_400_000);

function holidayDate(rule: HolidayRule, year: number): string {
  if ('day' in rule) {
    const date = new Date(Date.UTC(year, rule.month - 1, rule.day));
    const weekday = date.getUTCDay();
    // Observed: Saturday → the Friday before, Sunday → the Monday after.
    if (weekday === 6) date.setUTCDate(date.getUTCDate() - 1);
    if (weekday === 0) date.setUTCDate(date.getUTCDate() + 1);
    return toDay(date);
  }
  if (rule.nth > 0) {
    const first = new Date(Date.UTC(year, rule.month - 1, 1));
    const offset = (rule.weekday - first.getUTCDay() + 7) % 7;
    return toDay(new Date(Date.UTC(year, rule.month - 1, 1 + offset + 7 * (rule.nth - 1))));
  }
  const last = new Date(Date.UTC(year, rule.month, 0));
  const back = (last.getUTCDay() - rule.weekday + 7) % 7;
  return toDay(new Date(Date.UTC(year, rule.month - 1, last.getUTCDate() - back - 7 * (-rule.nth - 1))));
}

const holidayCache = new WeakMap<readonly HolidayRule[], Map<number, Map<string, string>>>();

/** The holidays of a calendar in a year (observed dates → name); January 1 of the next year may be observed on December 31. */
export function holidaysIn(rules: readonly HolidayRule[], year: number): Map<string, string> {
  let byYear = holidayCache.get(rules);
  if (!byYear) {
    byYear = new Map();
    holidayCache.set(rules, byYear);
  }
  let days = byYear.get(year);
  if (!days) {
    days = new Map();
    for (const y of [year, year + 1]) {
      for (const rule of rules) {
        const day = holidayDate(rule, y);
        if (Number(day.slice(0, 4)) === year) days.set(day, rule.name);
      }
    }
    byYear.set(year, days);
  }
  return days;
}

/** The holiday a carrier keeps on a day, if any. */
export const holidayOn = (rules: readonly HolidayRule[], day: string): string | undefined =>
  holidaysIn(rules, Number(day.slice(0, 4))).get(day);

/** Monday to Friday, not one of the carrier's holidays. */
export function isCarrierBusinessDay(rules: readonly HolidayRule[], day: string): boolean {
  const weekday = fromDay(day).getUTCDay();
  return weekday !== 0 && weekday !== 6 && holidayOn(rules, day) === undefined;
}

export function nextCarrierBusinessDay(rules: readonly HolidayRule[], day: string): string {
  let next = addDays(day, 1);
  while (!isCarrierBusinessDay(rules, next)) next = addDays(next, 1);
  return next;
}

export function addCarrierBusinessDays(rules: readonly HolidayRule[], day: string, days: number): string {
  let date = day;
  for (let left = days; left > 0; left -= 1) date = nextCarrierBusinessDay(rules, date);
  return date;
}

/** Local calendar day and seconds since midnight of an instant in an IANA time zone. */
export function localTime(at: Date, timeZone: string): { day: string; secondOfDay: number } {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(at);
  } catch {
    throw validationErrorFrom([{ field: 'origin.timeZone', message: `unknown time zone ${timeZone}` }]);
  }
  const part = (type: string) => parts.find((entry) => entry.type === type)?.value ?? '00';
  return {
    day: `${part('year')}-${part('month')}-${part('day')}`,
    secondOfDay: Number(part('hour')) * 3600 + Number(part('minute')) * 60 + Number(part('second')),
  };
}

/**
 * The day a carrier takes the parcel: today (the origin's local date) when the order is in at or before
 * the cut-off and today is one of the carrier's business days, else the carrier's next business day.
 */
export function carrierShipDay(input: {
  holidays: readonly HolidayRule[];
  at: Date;
  cutoffTime: string;
  timeZone?: string;
}): { shipDay: string; afterCutoff: boolean } {
  const local = localTime(input.at, input.timeZone ?? 'UTC');
  const [hours, minutes] = input.cutoffTime.split(':').map(Number);
  const afterCutoff = local.secondOfDay > (hours ?? 23) * 3600 + (minutes ?? 59) * 60;
  const shipDay =
    afterCutoff || !isCarrierBusinessDay(input.holidays, local.day)
      ? nextCarrierBusinessDay(input.holidays, local.day)
      : local.day;
  return { shipDay, afterCutoff };
}

export type QuoteReasonCode =
  | 'meets-promise'
  | 'misses-promise'
  | 'carrier-avoided'
  | 'country-not-served'
  | 'unavailable-zone'
  | 'unavailable-weight';

export interface QuoteOption {
  carrier: string;
  service: string;
  currency: string;
  zone?: number;
  available: boolean;
  parcels: (BillableWeight & { base?: number })[];
  billableWeightLb: number;
  breakdown?: {
    base: number;
    surcharges: { code: 'residential'; amount: number }[];
    fuel: { basisPoints: number; on: readonly FuelBase[]; amount: number };
    total: number;
  };
  /** The breakdown's total; absent when the service cannot take the shipment. */
  total?: number;
  shipDate?: string;
  transitDays?: number;
  estimatedDelivery?: string;
  meetsPromise: boolean;
  /** Calendar days after the promise date; 0 when on time. */
  daysLate?: number;
  kept: boolean;
  reasonCode: QuoteReasonCode;
  reason: string;
}

export interface QuoteRequest {
  rateCards: readonly CarrierRateCard[];
  /** Earlier wins a tie on cost and transit; carriers not listed come after, by name. */
  preference: readonly string[];
  origin: { postalCode: string; cutoffTime: string; timeZone?: string };
  destination: { postalCode: string; country: string; residential: boolean };
  parcels: readonly Parcel[];
  /** When the order is ready to ship (the ship date and time). */
  at: Date;
  /** `YYYY-MM-DD`: the latest delivery day promised to the customer. */
  promiseDate: string;
  avoidCarriers?: readonly string[];
}

export interface QuoteResult {
  currency: string;
  promiseDate: string;
  /** `undefined` only when no service can take the shipment at all. */
  chosen?: QuoteOption;
  /** Whether the chosen option arrives by the promise date. */
  meetsPromise: boolean;
  /** How the choice was made when no option kept the promise. */
  fallback?: 'earliest-delivery';
  options: QuoteOption[];
}

function priceService(
  card: CarrierRateCard,
  service: CarrierRateCard['services'][number],
  request: QuoteRequest,
): QuoteOption {
  const weights = request.parcels.map((parcel) => billableWeight(parcel, card.dimensional));
  const billableWeightLb = weights.reduce((sum, weight) => sum + weight.billableLb, 0);
  const head = { carrier: card.carrier, service: service.service, currency: card.currency };
  const unavailable = (reasonCode: QuoteReasonCode, reason: string, zone?: number): QuoteOption => ({
    ...head,
    ...(zone === undefined ? {} : { zone }),
    available: false,
    parcels: weights,
    billableWeightLb,
    meetsPromise: false,
    kept: false,
    reasonCode,
    reason,
  });
  const domestic = card.countries.includes(request.destination.country);
  if (!domestic && card.internationalZone === undefined) {
    return unavailable(
      'country-not-served',
      `${card.carrier} does not deliver to ${request.destination.country}`,
    );
  }
  const zone = domestic
    ? zoneOnCard(card, request.origin.postalCode, request.destination.postalCode)
    : card.internationalZone;
  if (zone === undefined) {
    return unavailable(
      'unavailable-zone',
      `no ${card.carrier} zone from ${request.origin.postalCode} to ${request.destination.postalCode}`,
    );
  }
  const parcels: QuoteOption['parcels'] = [];
  for (const weight of weights) {
    const bracket = service.brackets.find((entry) => weight.billableLb <= entry.upToLb);
    if (!bracket) {
      const max = service.brackets.at(-1)?.upToLb ?? 0;
      return unavailable(
        'unavailable-weight',
        `${service.service} takes parcels up to ${max} lb billable; one is ${weight.billableLb} lb`,
        zone,
      );
    }
    const price = bracket.byZone[zone - 1];
    if (price === null || price === undefined) {
      return unavailable('unavailable-zone', `${service.service} does not serve zone ${zone}`, zone);
    }
    parcels.push({ ...weight, base: price });
  }
  const base = parcels.reduce((sum, parcel) => sum + (parcel.base ?? 0), 0);
  const residential = request.destination.residential ? card.residentialSurcharge * parcels.length : 0;
  const surcharges = residential > 0 ? [{ code: 'residential' as const, amount: residential }] : [];
  const fuelBase =
    (card.fuel.on.includes('base') ? base : 0) + (card.fuel.on.includes('residential') ? residential : 0);
  const fuel = Math.round((fuelBase * card.fuel.basisPoints) / 10_000);
  const total = base + residential + fuel;
  const transitDays = service.transitDaysByZone[zone - 1] ?? service.transitDaysByZone.at(-1) ?? 0;
  const { shipDay } = carrierShipDay({
    holidays: card.holidays,
    at: request.at,
    cutoffTime: request.origin.cutoffTime,
    ...(request.origin.timeZone ? { timeZone: request.origin.timeZone } : {}),
  });
  const estimatedDelivery = addCarrierBusinessDays(card.holidays, shipDay, transitDays);
  const daysLate = Math.max(0, daysBetween(request.promiseDate, estimatedDelivery));
  const meetsPromise = daysLate === 0;
  const avoided = request.avoidCarriers?.includes(card.carrier) ?? false;
  return {
    ...head,
    zone,
    available: true,
    parcels,
    billableWeightLb,
    breakdown: {
      base,
      surcharges,
      fuel: { basisPoints: card.fuel.basisPoints, on: card.fuel.on, amount: fuel },
      total,
    },
    total,
    shipDate: shipDay,
    transitDays,
    estimatedDelivery,
    meetsPromise,
    daysLate,
    kept: meetsPromise && !avoided,
    reasonCode: avoided ? 'carrier-avoided' : meetsPromise ? 'meets-promise' : 'misses-promise',
    reason: avoided
      ? `${card.carrier} is avoided (a disruption)`
      : meetsPromise
        ? `delivers ${estimatedDelivery}, by the promise ${request.promiseDate}`
        : `misses the promise by ${daysLate} day${daysLate === 1 ? '' : 's'} (delivers ${estimatedDelivery}, promise ${request.promiseDate})`,
  };
}

/**
 * Prices every service of every card for the parcels, keeps the ones that deliver by the promise date
 * (and whose carrier is not avoided) and picks the lowest total; ties go to shorter transit, then the
 * configured carrier preference. When none keeps the promise, the earliest delivery among the available
 * options wins (then the lowest total), so the order still ships and the delay shows on the option;
 * avoided carriers are used only when no other carrier can take the shipment.
 */
export function shopRates(request: QuoteRequest): QuoteResult {
  const currencies = new Set(request.rateCards.map((card) => card.currency));
  if (currencies.size > 1) {
    throw new UnprocessableError(
      `rate cards in several currencies (${[...currencies].join(', ')}) cannot be compared`,
    );
  }
  const currency = [...currencies][0] ?? 'USD';
  const options = request.rateCards.flatMap((card) =>
    card.services.map((service) => priceService(card, service, request)),
  );
  const rank = (carrier: string) => {
    const index = request.preference.indexOf(carrier);
    return index === -1 ? request.preference.length : index;
  };
  const byCost = (a: QuoteOption, b: QuoteOption) =>
    (a.total ?? 0) - (b.total ?? 0) ||
    (a.transitDays ?? 0) - (b.transitDays ?? 0) ||
    rank(a.carrier) - rank(b.carrier) ||
    a.carrier.localeCompare(b.carrier) ||
    a.service.localeCompare(b.service);
  const kept = options.filter((option) => option.kept).sort(byCost);
  const base = { currency, promiseDate: request.promiseDate, options };
  if (kept[0]) return { ...base, chosen: kept[0], meetsPromise: true };
  const available = options.filter((option) => option.available);
  const notAvoided = available.filter((option) => option.reasonCode !== 'carrier-avoided');
  const pool = notAvoided.length > 0 ? notAvoided : available;
  // Every carrier that can take it is avoided: the cheapest of them that keeps the promise, if any.
  const onTime = pool.filter((option) => option.meetsPromise).sort(byCost)[0];
  if (onTime) return { ...base, chosen: onTime, meetsPromise: true };
  const [fallback] = [...pool].sort(
    (a, b) => (a.estimatedDelivery ?? '').localeCompare(b.estimatedDelivery ?? '') || byCost(a, b),
  );
  if (!fallback) return { ...base, meetsPromise: false };
  return { ...base, chosen: fallback, meetsPromise: false, fallback: 'earliest-delivery' };
}

export interface UnitDimensions {
  lengthIn: number;
  widthIn: number;
  heightIn: number;
  weightLb: number;
}

/**
 * One parcel estimated from the units of a pick when no cartons were recorded: their weights added up,
 * and a cube holding their volume (each side rounded up to the inch). A single unit keeps its own size.
 */
export function estimateParcel(units: readonly (UnitDimensions & { quantity: number })[]): Parcel {
  const count = units.reduce((sum, unit) => sum + unit.quantity, 0);
  const weightLb =
    Math.round(units.reduce((sum, unit) => sum + unit.quantity * unit.weightLb, 0) * 1000) / 1000;
  const [only] = units;
  if (count === 1 && only) {
    return { lengthIn: only.lengthIn, widthIn: only.widthIn, heightIn: only.heightIn, weightLb };
  }
  const volume = units.reduce(
    (sum, unit) => sum + unit.quantity * unit.lengthIn * unit.widthIn * unit.heightIn,
    0,
  );
  const side = Math.max(1, Math.ceil(Math.cbrt(volume) - 1e-9));
  return { lengthIn: side, widthIn: side, heightIn: side, weightLb };
}

/** Grams of a weight in pounds (the carrier port's unit), rounded to the gram. */
export const poundsToGrams = (pounds: number) => Math.round(pounds * 453.59237);

/**
 * Residential unless told otherwise: an explicit `residential` flag wins; else an address with a company
 * name is a business, and any other (a consumer order) is a residence, the dearer case, so a quote never
 * comes out under what the carrier bills.
 */
export const isResidential = (address: { residential?: boolean; company?: string }): boolean =>
  address.residential ?? !address.company;
