import { type CarrierService, defaultPromiseBusinessDays } from '../config/carriers.js';
import type { OrderStatus } from './order.js';
import { addBusinessDays, shippingZone } from './rate-shopping.js';
import { haversineKm } from './sourcing.js';

/**
 * Order-impacting disruptions (a storm, a carrier outage): which orders one touches, and by how much it
 * moves their promise. Pure: the use case (shared/app/disruptions.ts) reads the orders and writes the
 * result. The rules are explained in docs/disruptions.md.
 */

export const DISRUPTION_KINDS = ['weather', 'carrier-outage'] as const;
export type DisruptionKind = (typeof DISRUPTION_KINDS)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'severe'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * Business days added after the window ends before deliveries are back to normal: the backlog a low
 * disruption leaves is gone the same day, a severe one takes three more days to clear.
 */
export const SEVERITY_DAYS: Readonly<Record<Severity, number>> = { low: 0, medium: 1, high: 2, severe: 3 };

/**
 * The longest window a disruption may cover. It bounds the index reads that look back for disruptions still
 * active at a moment (select-carrier, the listing): they start at most this long before it.
 */
export const MAX_WINDOW_DAYS = 31;
export const MAX_WINDOW_MS = MAX_WINDOW_DAYS * 86_400_000;

/** Orders that have not left a location yet: their route and promise can still change. */
export const OPEN_STATUSES = [
  'placed',
  'allocated',
  'picking',
  'backordered',
] as const satisfies OrderStatus[];

export interface LatLon {
  lat: number;
  lon: number;
}

export type DisruptionArea = { postalPrefixes: string[] } | { center: LatLon; radiusKm: number };

/** What a disruption is, as posted (validated by shared/app/disruption-input.ts). */
export interface DisruptionSpec {
  id: string;
  kind: DisruptionKind;
  severity: Severity;
  /** ISO date-times, UTC. */
  startsAt: string;
  endsAt: string;
  area: DisruptionArea;
  /** A carrier outage names the carriers that are out (required for that kind, refused for weather). */
  carriers?: string[];
  /** Warehouses or stores that are out, wherever they are. */
  locations?: string[];
}

/** A point an order passes through: an address (postal code, coordinates when known) or a location. */
export interface Place {
  postalCode?: string;
  coordinates?: LatLon;
  /** The location id, when the place is one of ours (listed locations match by id). */
  locationId?: string;
}

/** Carriers an order must not be shipped with during a window, recorded on the order by a disruption. */
export interface AvoidedCarriers {
  disruptionId: string;
  carriers: string[];
  /** The disruption's window, ISO date-times. */
  from: string;
  to: string;
}

// ----------------------------------------------------------------------------------------- area, window

/** Postal codes compare without case, spaces or dashes: `sw1a 1aa` is in `SW1A`, `10001-1234` in `100`. */
export const normalizePostalCode = (code: string): string => code.toUpperCase().replace(/[\s-]/g, '');

/**
 * Whether a place is inside the area: its postal code starts with one of the prefixes, or its coordinates
 * are within the radius of the centre (great-circle distance). A place without coordinates is never inside
 * a radius: postal codes are not geocoded.
 */
export function inArea(area: DisruptionArea, place: Place): boolean {
  if ('postalPrefixes' in area) {
    if (!place.postalCode) return false;
    const code = normalizePostalCode(place.postalCode);
    return area.postalPrefixes.some((prefix) => {
      const wanted = normalizePostalCode(prefix);
      return wanted !== '' && code.startsWith(wanted);
    });
  }
  return place.coordinates !== undefined && haversineKm(area.center, place.coordinates) <= area.radiusKm;
}

/** Whether a place is hit: inside the area, or one of the locations the disruption names. */
export function touches(disruption: Pick<DisruptionSpec, 'area' | 'locations'>, place: Place): boolean {
  if (place.locationId !== undefined && (disruption.locations ?? []).includes(place.locationId)) return true;
  return inArea(disruption.area, place);
}

/** The UTC calendar day of an ISO date-time or a date, `YYYY-MM-DD`. */
export const dayOf = (value: string | Date): string =>
  (typeof value === 'string' ? new Date(value) : value).toISOString().slice(0, 10);

export interface Window {
  startsAt: string;
  endsAt: string;
}

/** Two windows share at least one instant (ends included). */
export const windowsOverlap = (a: Window, b: Window): boolean =>
  Date.parse(a.startsAt) <= Date.parse(b.endsAt) && Date.parse(b.startsAt) <= Date.parse(a.endsAt);

/** A day (`YYYY-MM-DD`) falls on a day the window covers, its first and last days included. */
export const dayInWindow = (day: string, window: Window): boolean =>
  day >= dayOf(window.startsAt) && day <= dayOf(window.endsAt);

/** The window covers the instant. */
export const activeAt = (window: Window, at: Date): boolean =>
  Date.parse(window.startsAt) <= at.getTime() && at.getTime() <= Date.parse(window.endsAt);

// ---------------------------------------------------------------------------------------------- promise

/** The date promised when the order was placed: `placedAt` + the default promise in business days. */
export const defaultPromise = (placedAt: string): string =>
  dayOf(addBusinessDays(new Date(placedAt), defaultPromiseBusinessDays));

/** The date the customer holds now: the last one a disruption gave, else the one given at placing. */
export const promiseOf = (order: { placedAt: string; promisedBy?: string }): string =>
  order.promisedBy ?? defaultPromise(order.placedAt);

/**
 * Business days a parcel takes from `from` to `to`. With the carrier and service known (a shipment), that
 * service's transit for the zone. Otherwise the slowest service not avoided (all of them when every one is):
 * a promise the slowest meets is one the rate shopper can keep at the lowest price. An unknown origin (the
 * order is not allocated yet) is priced as the farthest zone.
 */
export function transitDays(input: {
  services: readonly CarrierService[];
  fromPostalCode?: string;
  toPostalCode: string;
  carrier?: string;
  service?: string;
  avoid?: readonly string[];
}): number {
  const zone = input.fromPostalCode ? shippingZone(input.fromPostalCode, input.toPostalCode) : 8;
  const transitOf = (service: CarrierService) =>
    service.transitDaysByZone[zone - 1] ?? service.transitDaysByZone.at(-1) ?? 0;
  const known = input.services.find(
    (service) => service.carrier === input.carrier && service.service === input.service,
  );
  if (known) return transitOf(known);
  const open = input.services.filter((service) => !(input.avoid ?? []).includes(service.carrier));
  const candidates = open.length > 0 ? open : input.services;
  return Math.max(0, ...candidates.map(transitOf));
}

/**
 * The first day deliveries through the disruption can be promised again: the window's last day plus the
 * transit (at least one business day: nothing arrives on the day the window closes) plus the severity's
 * backlog days.
 */
export function recoveryDate(
  disruption: Pick<DisruptionSpec, 'endsAt' | 'severity'>,
  transit: number,
): string {
  return dayOf(
    addBusinessDays(new Date(disruption.endsAt), Math.max(1, transit) + SEVERITY_DAYS[disruption.severity]),
  );
}

const later = (a: string, b: string) => (a >= b ? a : b);

// ------------------------------------------------------------------------------------------- assessment

/** Why an order is affected, most direct first (the first one is the entry's `reason`). */
export const IMPACT_REASONS = [
  'destination-in-area',
  'pickup-store-affected',
  'origin-affected',
  'shipment-affected',
] as const;
export type ImpactReason = (typeof IMPACT_REASONS)[number];

/** The statuses a disruption can find an order in: the open ones and `shipped`. */
export const IMPACT_STATUSES = [...OPEN_STATUSES, 'shipped'] as const;
export type ImpactStatus = (typeof IMPACT_STATUSES)[number];

/**
 * What is done for an affected order: `repromised` (its promise moves later and the customer is told),
 * `carrier-avoided` (a carrier outage another carrier can work around: the order is shipped with another
 * one and its promise holds), `promise-holds` (a shipment delivering in the window whose promise already
 * allows for it).
 */
export type ImpactAction = 'repromised' | 'carrier-avoided' | 'promise-holds';

/** What the assessment needs of an order; the use case gathers it from the order, its shipments and locations. */
export interface OrderFacts {
  id: string;
  status: OrderStatus;
  placedAt: string;
  promisedBy?: string;
  /** Where it is delivered: the shipping address, or the pickup store (with `locationId`). */
  destination: Place;
  pickup: boolean;
  /** The locations its stock is reserved at (its allocations), with their addresses. */
  origins: Place[];
  /** Its shipments (shipped orders), with the place each left from. */
  shipments: { carrier: string; service: string; estimatedDelivery: string; origin: Place }[];
}

export interface Assessment {
  orderId: string;
  status: ImpactStatus;
  reason: ImpactReason;
  reasons: ImpactReason[];
  promise: { from: string; to: string };
  action: ImpactAction;
  /** Carriers to record on the order as avoided during the window (`carrier-avoided`). */
  avoidCarriers?: string[];
  /** What the system could not do safely itself, for a person to decide. */
  recommendation?: string;
}

/**
 * Whether and how the disruption affects one order; `undefined` when it does not.
 *
 * - A shipped order is affected when one of its shipments is due on a day of the window and goes into the
 *   area or left from a location that is hit, and (a carrier outage) travels with a carrier that is out.
 * - An open order is affected when its destination (a pickup order: its store) or a location its stock is
 *   reserved at is hit, and its promise falls on or after the window's first day and before the recovery
 *   date: one due earlier is delivered before the disruption begins, one due on or after recovery keeps its
 *   date.
 * - A carrier outage that other carriers can work around affects every open order there that may still ship
 *   before the window ends (`now` is not past it), whatever its promise: it ships with another carrier and
 *   its promise holds. One that leaves no carrier is treated like weather. It never affects a pickup order
 *   (no carrier carries it).
 */
export function assessOrder(
  disruption: DisruptionSpec,
  order: OrderFacts,
  services: readonly CarrierService[],
  now: Date,
): Assessment | undefined {
  const from = promiseOf(order);
  const outage = disruption.kind === 'carrier-outage';
  const out = disruption.carriers ?? [];
  const toPostalCode = order.destination.postalCode ?? '';

  const status = (IMPACT_STATUSES as readonly OrderStatus[]).includes(order.status)
    ? (order.status as ImpactStatus)
    : undefined;
  if (status === undefined) return undefined;
  const subject = { id: order.id, status };

  if (status === 'shipped') {
    const destinationHit = inArea(disruption.area, order.destination);
    const hit = order.shipments.filter(
      (shipment) =>
        dayInWindow(shipment.estimatedDelivery, disruption) &&
        (destinationHit || touches(disruption, shipment.origin)) &&
        (!outage || out.includes(shipment.carrier)),
    );
    if (hit.length === 0) return undefined;
    const transit = Math.max(
      ...hit.map((shipment) =>
        transitDays({
          services,
          toPostalCode,
          carrier: shipment.carrier,
          service: shipment.service,
          ...(shipment.origin.postalCode ? { fromPostalCode: shipment.origin.postalCode } : {}),
        }),
      ),
    );
    const to = later(from, recoveryDate(disruption, transit));
    const reasons: ImpactReason[] = [
      ...(destinationHit ? (['destination-in-area'] as const) : []),
      'shipment-affected',
    ];
    return entry(subject, reasons, { from, to }, to > from ? 'repromised' : 'promise-holds');
  }

  if (outage && order.pickup) return undefined;
  const reasons: ImpactReason[] = [];
  if (order.pickup ? touches(disruption, order.destination) : inArea(disruption.area, order.destination)) {
    reasons.push(order.pickup ? 'pickup-store-affected' : 'destination-in-area');
  }
  const hitOrigins = order.origins.filter((origin) => touches(disruption, origin));
  if (hitOrigins.length > 0) reasons.push('origin-affected');
  if (reasons.length === 0) return undefined;

  const recommendation =
    hitOrigins.length > 0 && (status === 'allocated' || status === 'picking')
      ? `re-source: stock is reserved at ${hitOrigins.map((origin) => origin.locationId).join(', ')}, which the disruption hits; release it and allocate from another location if it cannot ship`
      : undefined;
  const advice = recommendation ? { recommendation } : {};
  if (outage && services.some((service) => !out.includes(service.carrier))) {
    if (now.getTime() > Date.parse(disruption.endsAt)) return undefined;
    return {
      ...entry(subject, reasons, { from, to: from }, 'carrier-avoided'),
      avoidCarriers: [...out],
      ...advice,
    };
  }
  const origins = order.origins.length > 0 ? order.origins : [{}];
  const transit = order.pickup
    ? 1
    : Math.max(
        ...origins.map((origin) =>
          transitDays({
            services,
            toPostalCode,
            ...(origin.postalCode ? { fromPostalCode: origin.postalCode } : {}),
            ...(outage ? { avoid: out } : {}),
          }),
        ),
      );
  const recovery = recoveryDate(disruption, transit);
  if (from < dayOf(disruption.startsAt) || from >= recovery) return undefined;
  return { ...entry(subject, reasons, { from, to: recovery }, 'repromised'), ...advice };
}

function entry(
  order: { id: string; status: ImpactStatus },
  reasons: ImpactReason[],
  promise: { from: string; to: string },
  action: ImpactAction,
): Assessment {
  return {
    orderId: order.id,
    status: order.status,
    reason: reasons[0] as ImpactReason,
    reasons,
    promise,
    action,
  };
}

// ---------------------------------------------------------------------------------- carrier selection

/**
 * The carriers a shipment leaving `origin` for `destination` at `at` must avoid: those recorded on the order
 * for a window covering `at`, and those of every carrier outage active at `at` that hits the origin or the
 * destination (orders placed after the outage was posted carry no record of it).
 */
export function carriersToAvoid(input: {
  outages: readonly DisruptionSpec[];
  recorded?: readonly AvoidedCarriers[];
  at: Date;
  origin: Place;
  destination: Place;
}): string[] {
  const carriers = new Set<string>();
  for (const record of input.recorded ?? []) {
    if (activeAt({ startsAt: record.from, endsAt: record.to }, input.at)) {
      for (const carrier of record.carriers) carriers.add(carrier);
    }
  }
  for (const outage of input.outages) {
    if (outage.kind !== 'carrier-outage' || !activeAt(outage, input.at)) continue;
    if (!inArea(outage.area, input.destination) && !touches(outage, input.origin)) continue;
    for (const carrier of outage.carriers ?? []) carriers.add(carrier);
  }
  return [...carriers].sort();
}

/**
 * The services left once `carriers` are avoided. When that leaves none, all of them: the order still ships
 * (its label waits with the carrier) rather than fail, and the disruption has already moved its promise.
 */
export function servicesAvoiding<T extends { carrier: string }>(
  services: readonly T[],
  carriers: readonly string[],
): readonly T[] {
  const left = services.filter((service) => !carriers.includes(service.carrier));
  return left.length > 0 ? left : services;
}
