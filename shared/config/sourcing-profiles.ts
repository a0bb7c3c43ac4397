import type { Channel } from '../domain/order.js';

/**
 * Sourcing profiles: which locations may ship an order and how far it may be split, per sales channel, as
 * data. The engine (`shared/domain/sourcing.ts`) reads these fields and never branches on a channel name,
 * so a new channel or a changed rule is a row here, not code.
 */
export type LocationKind = 'warehouse' | 'store';

export interface SourcingProfile {
  id: string;
  /** Stores may ship to home (ship-from-store); warehouses always may. */
  shipFromStores: boolean;
  /** An order no single location can fill may be split into several shipments. */
  allowSplit: boolean;
  /** Most shipments one order may be split into (1 means never split). */
  maxShipments: number;
  /** Between locations of equal estimated cost, earlier kinds win. */
  locationKindTieBreak: readonly LocationKind[];
  cost: {
    /** Fixed handling per shipment (pick, pack, label), USD cents. */
    perShipment: number;
    /** Add the cheapest carrier rate for the parcel (shared/config/carriers.ts); off prices handling only. */
    useCarrierRates: boolean;
  };
}

const WAREHOUSE_FIRST: readonly LocationKind[] = ['warehouse', 'store'];

export const sourcingProfiles: Readonly<Record<Channel | 'default', SourcingProfile>> = {
  // Anything without its own row: warehouses only, at most two parcels.
  default: {
    id: 'default',
    shipFromStores: false,
    allowSplit: true,
    maxShipments: 2,
    locationKindTieBreak: WAREHOUSE_FIRST,
    cost: { perShipment: 150, useCarrierRates: true },
  },
  // The storefront that shares stock with the shops: stores may ship, and up to three parcels beats a backorder.
  shopify: {
    id: 'shopify',
    shipFromStores: true,
    allowSplit: true,
    maxShipments: 3,
    locationKindTieBreak: WAREHOUSE_FIRST,
    cost: { perShipment: 150, useCarrierRates: true },
  },
  // Its shipping is quoted to the customer as one parcel, so it never splits.
  woocommerce: {
    id: 'woocommerce',
    shipFromStores: false,
    allowSplit: false,
    maxShipments: 1,
    locationKindTieBreak: WAREHOUSE_FIRST,
    cost: { perShipment: 150, useCarrierRates: true },
  },
  // B2B webhooks: pallets and cartons leave from warehouses, in as few parcels as possible.
  standard: {
    id: 'standard',
    shipFromStores: false,
    allowSplit: true,
    maxShipments: 2,
    locationKindTieBreak: WAREHOUSE_FIRST,
    cost: { perShipment: 250, useCarrierRates: true },
  },
  // Orders keyed in by customer service: any location, so an order is kept rather than backordered.
  direct: {
    id: 'direct',
    shipFromStores: true,
    allowSplit: true,
    maxShipments: 3,
    locationKindTieBreak: WAREHOUSE_FIRST,
    cost: { perShipment: 150, useCarrierRates: true },
  },
};

/** The profile for a channel; a channel without a row gets `default` rather than an error. */
export function sourcingProfileFor(channel: string): SourcingProfile {
  return Object.hasOwn(sourcingProfiles, channel)
    ? sourcingProfiles[channel as keyof typeof sourcingProfiles]
    : sourcingProfiles.default;
}
