import '../../../shared/runtime/aws.js';
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { taskHandler } from '../../../shared/http/api.js';
import { AUTHORIZER_CONTEXT, bearerToken, isValidKey } from '../../../shared/http/auth.js';
import { logger } from '../../../shared/observability.js';
import { deps } from '../../../shared/runtime/deps.js';

type Result = APIGatewaySimpleAuthorizerWithContextResult<typeof AUTHORIZER_CONTEXT>;

/**
 * The HTTP API's request authorizer (simple responses) for every non-webhook route: the bearer of
 * `Authorization` must be one of the API keys in SSM. API Gateway answers 401 itself when the header is
 * missing and 403 when this denies, and caches the answer per header value, so a key removed from SSM
 * stops working within the authorizer cache TTL plus the key cache of the store.
 */
export const handler = taskHandler<APIGatewayRequestAuthorizerEventV2, Result>(async (event) => {
  const keys = await deps().secrets.apiKeys();
  if (keys.length === 0) {
    // Unlike the local demo, a deployed API is never left open because a parameter is missing.
    logger.error('no API keys are configured: denying every request');
    return { isAuthorized: false, context: AUTHORIZER_CONTEXT };
  }
  const presented = bearerToken(event.headers?.authorization ?? event.identitySource?.[0]);
  return { isAuthorized: isValidKey(presented, keys), context: AUTHORIZER_CONTEXT };
});
