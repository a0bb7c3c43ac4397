import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { type BusinessMetric, METRICS_NAMESPACE, METRICS_SERVICE } from './config/monitoring.js';

/**
 * One logger, metrics and tracer per function container. Order PII (email, phone, address) is never passed
 * to the logger: log ids and counts, not bodies.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'oms' });
/**
 * Metrics go out as EMF log lines (no PutMetricData call), flushed by the handler chains' publishMetrics.
 * Their `service` dimension is the same in every function, so the dashboard reads each metric as one series
 * whichever function recorded it (shared/config/monitoring.ts).
 */
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });

/** Counts a business event once, where its change was written (never for a repeat). */
export function countMetric(name: BusinessMetric, value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'oms' });
