import { createHash } from 'node:crypto';

/**
 * The key marketing keeps a customer under instead of the email itself: SHA-256 (hex) of the address trimmed
 * and in lower case, the normalisation ad platforms use for customer lists. A pseudonym, not anonymisation:
 * anyone holding the address can compute it, which is what lets `GET /marketing/customers/{emailHash}/interest`
 * be asked about a known customer without the address travelling in events or URLs.
 */
export const emailHash = (email: string): string =>
  createHash('sha256').update(email.trim().toLowerCase()).digest('hex');

export const EMAIL_HASH = /^[0-9a-f]{64}$/;
