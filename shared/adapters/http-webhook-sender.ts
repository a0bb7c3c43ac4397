import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { hostOf, isLoopbackAddress, isPublicAddress } from '../domain/webhooks.js';
import type { WebhookRequest, WebhookResponse, WebhookSender } from '../ports/webhooks.js';

/**
 * POSTs webhook deliveries with node:http(s), in both runtimes. The name in the URL is resolved by a lookup
 * that refuses private, link-local and reserved addresses (loopback only when allowed), and the socket
 * connects to exactly the address that was checked: a name cannot pass the check and then resolve
 * elsewhere. Redirects are not followed, the response body is read up to a small limit and dropped, and one
 * deadline covers connect, send and the answer.
 */

export interface HttpWebhookSenderOptions {
  /** Loopback addresses allowed (the local runtime, or OMS_ALLOW_HTTP_WEBHOOKS=true). */
  allowLoopback: boolean;
  /** How much of a response body is read before the connection is dropped. */
  maxResponseBytes?: number;
  /** Resolver, for tests. */
  resolve?: typeof dnsLookup;
}

export class AddressRefusedError extends Error {
  constructor(host: string) {
    super(`refused: ${host} is not a public address`);
    this.name = 'AddressRefusedError';
  }
}

/** Whether the sender may connect to `address`. */
export const addressAllowed = (address: string, allowLoopback: boolean): boolean =>
  isPublicAddress(address) || (allowLoopback && isLoopbackAddress(address));

/**
 * A `lookup` for http.request that resolves as usual and fails when any address of the name is not allowed
 * (one bad address is enough: the connection may pick any of them).
 */
export function guardedLookup(allowLoopback: boolean, resolve: typeof dnsLookup = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...(options as LookupOptions), all: true }, (error, addresses) => {
      if (error) {
        callback(error, '', 4);
        return;
      }
      const list = addresses as unknown as LookupAddress[];
      const refused = list.length === 0 || list.some((a) => !addressAllowed(a.address, allowLoopback));
      if (refused) {
        callback(Object.assign(new AddressRefusedError(hostname), { code: 'EREFUSEDADDRESS' }), '', 4);
        return;
      }
      if ((options as LookupOptions).all) {
        (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
        return;
      }
      const [first] = list as [LookupAddress];
      callback(null, first.address, first.family);
    });
  };
}

export class HttpWebhookSender implements WebhookSender {
  private readonly lookup: LookupFunction;
  private readonly maxResponseBytes: number;

  constructor(private readonly options: HttpWebhookSenderOptions) {
    this.lookup = guardedLookup(options.allowLoopback, options.resolve);
    this.maxResponseBytes = options.maxResponseBytes ?? 64 * 1024;
  }

  send(request: WebhookRequest): Promise<WebhookResponse> {
    const started = performance.now();
    return new Promise<WebhookResponse>((resolve) => {
      let settled = false;
      let deadline: NodeJS.Timeout | undefined;
      const finish = (result: Omit<WebhookResponse, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve({ ...result, durationMs: performance.now() - started });
      };
      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        finish({ error: 'invalid URL' });
        return;
      }
      const host = hostOf(url);
      // An IP literal is connected to without a lookup, so it is checked here.
      if (isIP(host) !== 0 && !addressAllowed(host, this.options.allowLoopback)) {
        finish({ error: new AddressRefusedError(host).message });
        return;
      }
      const client = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const outgoing = client(
        url,
        {
          method: 'POST',
          headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
          lookup: this.lookup,
          // One connection per attempt: no pooled socket outlives the check of its address.
          agent: false,
        },
        (response: IncomingMessage) => {
          const statusCode = response.statusCode;
          let received = 0;
          response.on('data', (chunk: Buffer) => {
            received += chunk.length;
            if (received > this.maxResponseBytes) {
              response.destroy();
              finish(statusCode === undefined ? { error: 'response too large' } : { statusCode });
            }
          });
          response.on('end', () =>
            finish(statusCode === undefined ? { error: 'no status' } : { statusCode }),
          );
          response.on('error', () =>
            finish(statusCode === undefined ? { error: 'response failed' } : { statusCode }),
          );
        },
      );
      deadline = setTimeout(() => {
        outgoing.destroy(new Error(`timed out after ${request.timeoutMs} ms`));
      }, request.timeoutMs);
      outgoing.on('error', (error: NodeJS.ErrnoException) => finish({ error: describe(error) }));
      outgoing.end(request.body);
    });
  }
}

/** What the delivery log shows: the error's kind, never a header or the body. */
function describe(error: NodeJS.ErrnoException): string {
  if (error instanceof AddressRefusedError || error.code === 'EREFUSEDADDRESS') return error.message;
  if (error.message.startsWith('timed out')) return error.message;
  return error.code ? `${error.code}: ${error.message}`.slice(0, 200) : error.message.slice(0, 200);
}
