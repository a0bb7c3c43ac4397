import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import { UnauthorizedError } from '../domain/errors.js';
import { logger } from '../observability.js';
import { deps } from '../runtime/deps.js';
import type { ApiEvent, ApiResult } from './api.js';

/** What the request authorizer returns as its context on AWS, and what the handler then trusts. */
export const AUTHORIZER_CONTEXT = { scheme: 'api-key' } as const;

/** A missing or wrong API key: answered 401 with `WWW-Authenticate: Bearer` (RFC 6750 §3). */
export class ApiKeyRequiredError extends UnauthorizedError {
  readonly challenge = 'Bearer';
}

/** The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive (RFC 9110 §11.1). */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
}

/**
 * Whether `presented` is one of `keys`, in time independent of which key matches or how much of it: digests
 * have one length whatever was sent, and every key is compared even after a match.
 */
export function isValidKey(presented: string | undefined, keys: readonly string[]): boolean {
  // An empty key would let in every request that sends an empty bearer.
  if (!presented) return false;
  const digest = sha256(presented);
  let matched = false;
  for (const key of keys) matched = (key !== '' && timingSafeEqual(digest, sha256(key))) || matched;
  return matched;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

let warnedOpen = false;

/**
 * Requires a valid API key on every request of a non-webhook route. On AWS the HTTP API's request
 * authorizer (functions/auth/authorize-request) has already checked the same keys before the function runs,
 * so a request it let through is not checked twice; the local runtime has no authorizer and relies on this.
 * With no key configured the API is open, which only the local demo should ever be.
 */
export function apiKeyAuth(): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    before: async (request) => {
      if (authorizedByGateway(request.event)) return;
      const keys = await deps().secrets.apiKeys();
      if (keys.length === 0) {
        if (!warnedOpen) {
          warnedOpen = true;
          logger.warn('no API keys are configured: the API is open to anyone who can reach it');
        }
        return;
      }
      if (!isValidKey(bearerToken(authorization(request.event)), keys)) {
        throw new ApiKeyRequiredError('a valid API key is required: send Authorization: Bearer <key>');
      }
    },
  };
}

function authorizedByGateway(event: ApiEvent): boolean {
  const { authorizer } = event.requestContext as { authorizer?: { lambda?: { scheme?: unknown } } };
  return authorizer?.lambda?.scheme === AUTHORIZER_CONTEXT.scheme;
}

function authorization(event: ApiEvent): string | undefined {
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (name.toLowerCase() === 'authorization') return value;
  }
  return undefined;
}
