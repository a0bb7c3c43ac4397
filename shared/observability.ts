import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * One logger, metrics and tracer per function container. Order PII (email, phone, address) is never passed
 * to the logger: log ids and counts, not bodies.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'oms' });
export const metrics = new Metrics({
  namespace: 'OMS',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'oms',
});
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'oms' });
