import { createHash } from 'node:crypto';
import type { CarrierGateway } from '../../ports/carrier-gateway.js';

/**
 * A label simulator: the tracking number is derived from the idempotency key, so buying the same label
 * twice returns the same one. Real carrier APIs implement the same port.
 */
export class SimulatedCarrierGateway implements CarrierGateway {
  async createLabel(request: Parameters<CarrierGateway['createLabel']>[0]) {
    const digits = BigInt(
      `0x${createHash('sha256').update(request.idempotencyKey).digest('hex').slice(0, 15)}`,
    )
      .toString()
      .padStart(18, '0')
      .slice(0, 18);
    return { trackingNumber: `${request.carrier.slice(0, 3)}${digits}` };
  }
}
