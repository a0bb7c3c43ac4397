import { randomBytes } from 'node:crypto';
import type { Clock, Ids } from '../ports/clock.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** ULID-style ids: 48-bit time then 80 random bits, Crockford base32, so they sort by creation time. */
export class UlidIds implements Ids {
  constructor(private readonly clock: Clock) {}

  next(prefix: string): string {
    let time = this.clock.now().getTime();
    let timePart = '';
    for (let i = 0; i < 10; i += 1) {
      timePart = (ALPHABET[time % 32] ?? '0') + timePart;
      time = Math.floor(time / 32);
    }
    const random = randomBytes(16);
    let randomPart = '';
    for (let i = 0; i < 16; i += 1) randomPart += ALPHABET[(random[i] ?? 0) % 32];
    return `${prefix}_${timePart}${randomPart}`;
  }
}

export const systemClock: Clock = { now: () => new Date() };
