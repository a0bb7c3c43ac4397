import type { Deps } from '../shared/runtime/deps.js';
import { setOnHand } from '../shared/store/inventory.js';
import { type LocationRecord, listLocations, putLocation } from '../shared/store/locations.js';

export const demoLocations: LocationRecord[] = [
  {
    id: 'wh-east',
    kind: 'warehouse',
    name: 'East Coast DC (Newark)',
    address: {
      line1: '100 Port St',
      city: 'Newark',
      region: 'NJ',
      postalCode: '07114',
      country: 'US',
      coordinates: { lat: 40.7063, lon: -74.1596 },
    },
    shipsToHome: true,
    pickup: false,
    dailyCapacity: 2000,
    cutoffTime: '20:00',
    timeZone: 'America/New_York',
  },
  {
    id: 'wh-west',
    kind: 'warehouse',
    name: 'West Coast DC (Reno)',
    address: {
      line1: '2000 Logistics Way',
      city: 'Reno',
      region: 'NV',
      postalCode: '89502',
      country: 'US',
      coordinates: { lat: 39.4996, lon: -119.7617 },
    },
    shipsToHome: true,
    pickup: false,
    dailyCapacity: 2000,
    cutoffTime: '20:00',
    timeZone: 'America/Los_Angeles',
  },
  {
    id: 'store-nyc',
    kind: 'store',
    name: 'Manhattan flagship',
    address: {
      line1: '500 Broadway',
      city: 'New York',
      region: 'NY',
      postalCode: '10012',
      country: 'US',
      coordinates: { lat: 40.7233, lon: -73.9985 },
    },
    shipsToHome: true,
    pickup: true,
    dailyCapacity: 100,
    cutoffTime: '17:00',
    timeZone: 'America/New_York',
  },
];

export const demoStock: { locationId: string; sku: string; onHand: number }[] = [
  { locationId: 'wh-east', sku: 'SKU-TSHIRT-M', onHand: 120 },
  { locationId: 'wh-east', sku: 'SKU-MUG', onHand: 80 },
  { locationId: 'wh-east', sku: 'SKU-HOODIE-L', onHand: 3 },
  { locationId: 'wh-west', sku: 'SKU-TSHIRT-M', onHand: 60 },
  { locationId: 'wh-west', sku: 'SKU-MUG', onHand: 40 },
  { locationId: 'store-nyc', sku: 'SKU-TSHIRT-M', onHand: 10 },
  { locationId: 'store-nyc', sku: 'SKU-HOODIE-L', onHand: 5 },
];

/** Seeds demo locations and stock on first start only (a data dir with locations is left alone). */
export async function seedDemoData(deps: Deps): Promise<boolean> {
  if ((await listLocations(deps)).length > 0) return false;
  for (const location of demoLocations) await putLocation(deps, location);
  for (const row of demoStock) await setOnHand(deps, row.locationId, row.sku, row.onHand);
  return true;
}
