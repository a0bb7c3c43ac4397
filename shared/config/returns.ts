/**
 * The returns policy (docs/customer-service.md#returns), as data: the rules in shared/domain/returns.ts read
 * it, the agent routes apply it, and a merchant changes it here, not in code.
 */
export type ReturnCondition = 'sellable' | 'damaged' | 'defective';
export type ReturnDisposition = 'restock' | 'write_off';

export interface ReturnPolicy {
  /** Days from a shipment's ship date (its `shipDate`, else the day it was recorded) to request a return. */
  windowDays: number;
  /**
   * SKUs that are never taken back: an exact SKU, or a prefix ending in `*` (`FINAL-SALE-*`). Upper and
   * lower case are distinct, as SKUs are.
   */
  nonReturnableSkus: readonly string[];
  /**
   * Restocking fee in basis points of the worth of the units received in each condition. Sellable units were
   * opened and must be inspected and repacked; damaged or defective units are the carrier's or the merchant's
   * problem, never a fee for the customer.
   */
  restockingFeeBps: Readonly<Record<ReturnCondition, number>>;
  /** What happens to received units when the agent does not say: sellable goes back on the shelf. */
  defaultDisposition: Readonly<Record<ReturnCondition, ReturnDisposition>>;
  /**
   * The prepaid return label: bought through the carrier port at authorization. `paidBy: 'customer'` takes
   * `customerCharge` (minor units) off what the customer gets back; `merchant` takes nothing.
   */
  label: { carrier: string; service: string; paidBy: 'merchant' | 'customer'; customerCharge: number };
  /**
   * Where returns are sent and restocked by default: a location id, or undefined for the location that
   * shipped the goods (the origin of the first returned line's latest shipment).
   */
  returnsLocationId: string | undefined;
  /**
   * The contra-revenue account debited when a return is settled in store credit (the credit goes to
   * `2310-store-credit-liability`); ledger exports split an unmapped id into code and name.
   */
  salesReturnsAccount: string;
}

export const returnPolicy: ReturnPolicy = {
  windowDays: 30,
  nonReturnableSkus: ['FINAL-SALE-*', 'GIFT-CARD-*'],
  restockingFeeBps: { sellable: 1000, damaged: 0, defective: 0 },
  defaultDisposition: { sellable: 'restock', damaged: 'write_off', defective: 'write_off' },
  label: { carrier: 'SIMPOST', service: 'Ground', paidBy: 'merchant', customerCharge: 0 },
  returnsLocationId: undefined,
  salesReturnsAccount: '4950-sales-returns',
};
