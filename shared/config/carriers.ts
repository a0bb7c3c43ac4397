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
