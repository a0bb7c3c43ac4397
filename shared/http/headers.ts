import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** A request header by name, whatever its case (API Gateway passes them lower-cased, tests may not). */
export const header = (event: APIGatewayProxyEventV2, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
};
