/** Buys shipping labels. Same idempotency key, same label. */
export interface CarrierGateway {
  createLabel(request: {
    idempotencyKey: string;
    carrier: string;
    service: string;
    fromPostalCode: string;
    toPostalCode: string;
    toCountry: string;
    weightGrams: number;
  }): Promise<{ trackingNumber: string; labelUrl?: string }>;
}
