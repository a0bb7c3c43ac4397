import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type FunctionSpec, functions } from '../shared/config/functions.js';

/** API Gateway's payload limit for HTTP APIs. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

interface Route {
  spec: FunctionSpec;
  method: string;
  pattern: RegExp;
  names: string[];
  routeKey: string;
}

function compileRoutes(): Route[] {
  return functions.flatMap((spec) => {
    if (spec.trigger.kind !== 'http') return [];
    const names: string[] = [];
    const source = spec.trigger.path
      .split('/')
      .map((segment) => {
        const name = /^\{(\w+)\}$/.exec(segment)?.[1];
        if (!name) return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
        names.push(name);
        return '([^/]+)';
      })
      .join('/');
    return [
      {
        spec,
        method: spec.trigger.method,
        pattern: new RegExp(`^${source}$`),
        names,
        routeKey: `${spec.trigger.method} ${spec.trigger.path}`,
      },
    ];
  });
}

/**
 * The HTTP API on one port: each request becomes the same payload-format-2.0 event API Gateway sends, for
 * the function whose route matches (routes come from shared/config/functions.ts, as in the stack).
 */
export function createApiServer(
  invoke: (spec: FunctionSpec, event: APIGatewayProxyEventV2) => Promise<unknown>,
  options: {
    /** A request that reached a route: what API Gateway bills (per 512 KB of body). */
    onRequest?: (request: { routeKey: string; bytes: number }) => void;
    onError?: (error: unknown) => void;
    /**
     * Static files served under `/console/` (the customer-service console), by file name: built on the first
     * request for them, so a runtime nobody opens the console on (every test) never bundles it.
     */
    consoleFiles?: () => ReadonlyMap<string, { body: Buffer; contentType: string }>;
  } = {},
): Server {
  const routes = compileRoutes();
  let consoleFiles: ReadonlyMap<string, { body: Buffer; contentType: string }> | undefined;
  return createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      options.onError?.(error);
      if (!response.headersSent)
        send(response, { statusCode: 500, body: '{"message":"Internal Server Error"}' });
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    if (options.consoleFiles && method === 'GET' && /^\/console(\/|$)/.test(url.pathname)) {
      const name = url.pathname.replace(/^\/console\/?/, '') || 'index.html';
      consoleFiles ??= options.consoleFiles();
      const file = consoleFiles.get(name);
      if (url.pathname === '/console') {
        response.writeHead(301, { location: '/console/' }).end();
      } else if (file) {
        response
          .writeHead(200, { 'content-type': file.contentType, 'cache-control': 'no-cache' })
          .end(file.body);
      } else {
        send(response, { statusCode: 404, body: '{"message":"Not Found"}' });
      }
      return;
    }
    const route = routes.find(
      (candidate) => candidate.method === method && candidate.pattern.test(url.pathname),
    );
    if (!route) {
      send(response, { statusCode: 404, body: '{"message":"Not Found"}' });
      return;
    }
    const body = await readBody(request);
    if (body === undefined) {
      send(response, { statusCode: 413, body: '{"message":"Request Entity Too Large"}' });
      return;
    }
    options.onRequest?.({ routeKey: route.routeKey, bytes: body.length });
    const match = route.pattern.exec(url.pathname);
    const pathParameters = Object.fromEntries(
      route.names.map((name, index) => [name, safeDecode(match?.[index + 1] ?? '')]),
    );
    const event = toEvent(request, url, route, body, pathParameters);
    const result = (await invoke(route.spec, event)) as
      | APIGatewayProxyStructuredResultV2
      | string
      | undefined;
    send(
      response,
      typeof result === 'object' && result !== null && 'statusCode' in result
        ? result
        : {
            statusCode: 200,
            headers: { 'content-type': 'application/json' },
            body: typeof result === 'string' ? result : JSON.stringify(result ?? null),
          },
    );
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_PAYLOAD_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function toEvent(
  request: IncomingMessage,
  url: URL,
  route: Route,
  body: Buffer,
  pathParameters: Record<string, string>,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;
  const text = body.toString('utf8');
  // Like API Gateway, text bodies pass as they are and anything else arrives base64-encoded.
  const isText = Buffer.from(text, 'utf8').equals(body);
  const now = new Date();
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(request.headers.cookie ? { cookies: request.headers.cookie.split(/;\s*/) } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(route.names.length > 0 ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: route.method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: route.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: isText ? text : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !isText,
  };
}

function send(response: ServerResponse, result: APIGatewayProxyStructuredResultV2) {
  const body = result.body ?? '';
  response.writeHead(result.statusCode ?? 200, {
    'content-type': 'application/json',
    ...Object.fromEntries(Object.entries(result.headers ?? {}).map(([key, value]) => [key, String(value)])),
  });
  response.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}
