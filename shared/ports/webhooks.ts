import type { WebhookPolicy } from '../config/webhooks.js';
import type { EventRouting } from './event-routing.js';

/** One POST of a webhook delivery. */
export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

/**
 * What came back: the status code when the endpoint answered at all, otherwise why not (refused address,
 * DNS failure, timeout, connection reset). Never throws for the endpoint's faults.
 */
export interface WebhookResponse {
  statusCode?: number;
  error?: string;
  durationMs: number;
}

/**
 * HTTP to merchants' endpoints. The same adapter in both runtimes (shared/adapters/http-webhook-sender.ts):
 * it refuses to connect to private, link-local and (unless allowed) loopback addresses, checked on the
 * address it connects to, not only on the name in the URL.
 */
export interface WebhookSender {
  send(request: WebhookRequest): Promise<WebhookResponse>;
}

/**
 * Puts a retry back on the webhooks queue after a wait: SQS SendMessage with DelaySeconds on AWS, the
 * in-process queue locally. A wait longer than `maxDelayMs` is made of several hops: the dispatcher sends
 * the message again when it arrives early (the delivery item holds the real due time).
 */
export interface WebhookRetryQueue {
  readonly maxDelayMs: number;
  schedule(body: string, delayMs: number): Promise<void>;
}

/** Everything outbound webhooks need from the runtime, as one member of Deps. */
export interface WebhookDeps {
  sender: WebhookSender;
  retries: WebhookRetryQueue;
  routing: EventRouting;
  policy: WebhookPolicy;
}
