/**
 * Carrier services and their rate tables, as data. Amounts are USD cents. The zone of a parcel is derived
 * from the first digit of the origin and destination postal codes (a coarse stand-in for the carriers'
 * published zone charts, which plug in here with the logistics issue).
 */
export interface CarrierService {
  carrier: string;
  service: string;
  /** Price for the first kilogram, by zone 1..8. */
  baseByZone: readonly number[];
  /** Each further kilogram, rounded up. */
  perKg: number;
  /** Business days in transit by zone 1..8. */
  transitDaysByZone: readonly number[];
  /** Lower wins a tie on cost and transit. */
  preference: number;
}

export const carrierServices: readonly CarrierService[] = [
  {
    carrier: 'SIMPOST',
    service: 'Ground',
    baseByZone: [520, 560, 610, 660, 720, 790, 860, 940],
    perKg: 110,
    transitDaysByZone: [2, 2, 3, 4, 5, 5, 6, 7],
    preference: 2,
  },
  {
    carrier: 'SIMPARCEL',
    service: 'Standard',
    baseByZone: [590, 610, 640, 680, 730, 780, 830, 890],
    perKg: 95,
    transitDaysByZone: [1, 2, 2, 3, 3, 4, 4, 5],
    preference: 1,
  },
  {
    carrier: 'SIMPARCEL',
    service: 'Express',
    baseByZone: [1450, 1520, 1600, 1690, 1780, 1880, 1990, 2100],
    perKg: 240,
    transitDaysByZone: [1, 1, 1, 1, 2, 2, 2, 2],
    preference: 1,
  },
];

/** Days the customer was promised, counted in business days from the order date. */
export const defaultPromiseBusinessDays = 5;
/** Grams per unit when the catalogue has no weight for a SKU. */
export const defaultUnitWeightGrams = 500;

// ---------------------------------------------------------------------------------------------------------
// Rate cards: what label buying and `POST /shipping/quotes` price with (docs/shipping.md). The coarse
// `carrierServices` table above stays the estimate the sourcing engine and disruption planning use; the
// carriers, services and transit days are the same in both.
// ---------------------------------------------------------------------------------------------------------

/**
 * A day a carrier neither picks up nor delivers. A fixed date that falls on a Saturday is observed the
 * Friday before, on a Sunday the Monday after (the federal rule, which the simulated carriers follow too).
 */
export type HolidayRule =
  | { name: string; month: number; day: number }
  /** The `nth` `weekday` (0 = Sunday) of `month`; `nth: -1` is the last one. */
  | { name: string; month: number; weekday: number; nth: number };

/** Prices of one weight bracket: parcels whose billable weight is at most `upToLb`, by zone 1..8. */
export interface RateBracket {
  upToLb: number;
  /** Minor units of the card's currency; `null` where the service does not serve the zone. */
  byZone: readonly (number | null)[];
}

export interface ServiceRateCard {
  service: string;
  /** Business days of this carrier in transit, by zone 1..8. */
  transitDaysByZone: readonly number[];
  /** Ascending by `upToLb`; a parcel heavier than the last bracket cannot go with this service. */
  brackets: readonly RateBracket[];
}

/** Zone of a parcel by postal-code prefixes; the row with the longest origin, then destination, prefix wins. */
export interface ZoneRow {
  origin: string;
  destination: string;
  zone: number;
}

export type FuelBase = 'base' | 'residential';

export interface CarrierRateCard {
  carrier: string;
  /** ISO 4217; every amount on the card is in its minor units. */
  currency: string;
  /** Domestic destination countries (ISO 3166-1 alpha-2), priced on the zone chart. */
  countries: readonly string[];
  /** Every other country is served at this zone when set (a coarse international rate); else not served. */
  internationalZone?: number;
  /**
   * Dimensional weight = L×W×H / divisor. With `minCubicIn`, it applies only to parcels larger than that
   * many cubic inches (USPS-style: above 1,728 in³ = 1 ft³); at or below, the actual weight alone counts.
   */
  dimensional: { divisor: number; minCubicIn?: number };
  /** Per parcel, minor units, added when the destination is a residence. */
  residentialSurcharge: number;
  /** Fuel surcharge in basis points (1550 = 15.5 %) of the named charges, rounded once per shipment. */
  fuel: { basisPoints: number; on: readonly FuelBase[] };
  holidays: readonly HolidayRule[];
  zones: readonly ZoneRow[];
  services: readonly ServiceRateCard[];
}

/** The coarse stand-in zone chart of the simulated carriers: 1 + the distance of the first digits, max 8. */
const firstDigitZones = (): ZoneRow[] =>
  Array.from({ length: 100 }, (_, index) => {
    const origin = Math.floor(index / 10);
    const destination = index % 10;
    return {
      origin: String(origin),
      destination: String(destination),
      zone: Math.min(8, 1 + Math.abs(origin - destination)),
    };
  });

/** US federal holidays (5 U.S.C. 6103): the USPS does not deliver on them. */
export const federalHolidays: readonly HolidayRule[] = [
  { name: "New Year's Day", month: 1, day: 1 },
  { name: 'Birthday of Martin Luther King, Jr.', month: 1, weekday: 1, nth: 3 },
  { name: "Washington's Birthday", month: 2, weekday: 1, nth: 3 },
  { name: 'Memorial Day', month: 5, weekday: 1, nth: -1 },
  { name: 'Juneteenth National Independence Day', month: 6, day: 19 },
  { name: 'Independence Day', month: 7, day: 4 },
  { name: 'Labor Day', month: 9, weekday: 1, nth: 1 },
  { name: 'Columbus Day', month: 10, weekday: 1, nth: 2 },
  { name: 'Veterans Day', month: 11, day: 11 },
  { name: 'Thanksgiving Day', month: 11, weekday: 4, nth: 4 },
  { name: 'Christmas Day', month: 12, day: 25 },
];

/** The six days a UPS-style carrier stops: it works MLK, Presidents', Juneteenth, Columbus and Veterans Day. */
export const parcelCarrierHolidays: readonly HolidayRule[] = [
  { name: "New Year's Day", month: 1, day: 1 },
  { name: 'Memorial Day', month: 5, weekday: 1, nth: -1 },
  { name: 'Independence Day', month: 7, day: 4 },
  { name: 'Labor Day', month: 9, weekday: 1, nth: 1 },
  { name: 'Thanksgiving Day', month: 11, weekday: 4, nth: 4 },
  { name: 'Christmas Day', month: 12, day: 25 },
];

export const carrierRateCards: readonly CarrierRateCard[] = [
  {
    // USPS-style: no residential or fuel surcharge, dimensional weight only above one cubic foot.
    carrier: 'SIMPOST',
    currency: 'USD',
    countries: ['US'],
    dimensional: { divisor: 166, minCubicIn: 1728 },
    residentialSurcharge: 0,
    fuel: { basisPoints: 0, on: [] },
    holidays: federalHolidays,
    zones: firstDigitZones(),
    services: [
      {
        service: 'Ground',
        transitDaysByZone: [2, 2, 3, 4, 5, 5, 6, 7],
        brackets: [
          { upToLb: 1, byZone: [520, 560, 610, 660, 720, 790, 860, 940] },
          { upToLb: 2, byZone: [568, 614, 670, 725, 791, 867, 943, 1028] },
          { upToLb: 3, byZone: [616, 668, 729, 791, 862, 944, 1025, 1117] },
          { upToLb: 5, byZone: [712, 775, 848, 921, 1004, 1097, 1190, 1293] },
          { upToLb: 10, byZone: [952, 1044, 1146, 1248, 1359, 1481, 1603, 1735] },
          { upToLb: 20, byZone: [1432, 1581, 1741, 1900, 2070, 2249, 2429, 2618] },
          { upToLb: 30, byZone: [1912, 2119, 2336, 2553, 2780, 3017, 3254, 3501] },
          { upToLb: 50, byZone: [2872, 3194, 3526, 3859, 4201, 4553, 4905, 5268] },
          { upToLb: 70, byZone: [3832, 4269, 4717, 5164, 5622, 6089, 6557, 7034] },
        ],
      },
    ],
  },
  {
    // UPS-style daily rates: dimensional weight at 139 on every parcel, residential and fuel surcharges.
    carrier: 'SIMPARCEL',
    currency: 'USD',
    countries: ['US'],
    internationalZone: 8,
    dimensional: { divisor: 139 },
    residentialSurcharge: 545,
    fuel: { basisPoints: 1550, on: ['base', 'residential'] },
    holidays: parcelCarrierHolidays,
    zones: firstDigitZones(),
    services: [
      {
        service: 'Standard',
        transitDaysByZone: [1, 2, 2, 3, 3, 4, 4, 5],
        brackets: [
          { upToLb: 1, byZone: [590, 610, 640, 680, 730, 780, 830, 890] },
          { upToLb: 2, byZone: [628, 651, 684, 727, 780, 833, 886, 949] },
          { upToLb: 3, byZone: [666, 692, 728, 774, 830, 886, 942, 1009] },
          { upToLb: 5, byZone: [742, 774, 816, 868, 931, 993, 1055, 1127] },
          { upToLb: 10, byZone: [932, 979, 1037, 1104, 1181, 1259, 1336, 1424] },
          { upToLb: 20, byZone: [1312, 1390, 1478, 1575, 1683, 1791, 1899, 2016] },
          { upToLb: 30, byZone: [1692, 1800, 1918, 2046, 2185, 2323, 2461, 2609] },
          { upToLb: 50, byZone: [2452, 2621, 2800, 2989, 3188, 3387, 3586, 3795] },
          { upToLb: 70, byZone: [3212, 3442, 3682, 3931, 4191, 4451, 4711, 4980] },
          { upToLb: 100, byZone: [4352, 4673, 5004, 5345, 5696, 6047, 6398, 6759] },
          { upToLb: 150, byZone: [6252, 6725, 7208, 7701, 8204, 8707, 9210, 9723] },
        ],
      },
      {
        service: 'Express',
        transitDaysByZone: [1, 1, 1, 1, 2, 2, 2, 2],
        brackets: [
          { upToLb: 1, byZone: [1450, 1520, 1600, 1690, 1780, 1880, 1990, 2100] },
          { upToLb: 2, byZone: [1545, 1625, 1714, 1814, 1913, 2022, 2142, 2262] },
          { upToLb: 3, byZone: [1640, 1729, 1828, 1937, 2046, 2165, 2294, 2423] },
          { upToLb: 5, byZone: [1830, 1938, 2056, 2184, 2312, 2450, 2598, 2746] },
          { upToLb: 10, byZone: [2305, 2461, 2626, 2802, 2977, 3162, 3358, 3554] },
          { upToLb: 20, byZone: [3255, 3506, 3766, 4036, 4307, 4588, 4878, 5169] },
          { upToLb: 30, byZone: [4205, 4551, 4906, 5272, 5637, 6012, 6398, 6784] },
          { upToLb: 50, byZone: [6105, 6640, 7186, 7742, 8297, 8862, 9438, 10014] },
        ],
      },
    ],
  },
];

/** Tie-break after cost and transit: earlier in this list wins. Carriers not listed come last, by name. */
export const carrierPreference: readonly string[] = ['SIMPARCEL', 'SIMPOST'];

/** Per-unit weight and size of a SKU with no `PUT /skus/{sku}/dimensions` entry (a folded garment in a mailer). */
export const defaultSkuDimensions = { lengthIn: 10, widthIn: 8, heightIn: 2, weightLb: 1.1 } as const;
