import { z } from 'zod';

/**
 * Every domain event: source `oms.<context>`, a past-tense detail-type, and a detail of
 * `{ metadata: { version, correlationId, idempotencyKey, occurredAt }, data }`.
 * Within a version only additive changes are allowed.
 */
export const MetadataSchema = z.object({
  version: z.number().int().positive(),
  correlationId: z.string().min(1),
  idempotencyKey: z.string().min(1),
  occurredAt: z.iso.datetime(),
});
export type EventMetadata = z.infer<typeof MetadataSchema>;

export interface DomainEvent<TData = unknown> {
  source: string;
  detailType: string;
  detail: { metadata: EventMetadata; data: TData };
}

export interface EventDefinition<TSchema extends z.ZodType> {
  source: `oms.${string}`;
  detailType: string;
  version: number;
  schema: TSchema;
  description: string;
  /** Who emits it and who listens, for the catalogue (docs/events.md). */
  producers: readonly string[];
  consumers: readonly string[];
  create(
    data: z.input<TSchema>,
    meta: { correlationId: string; idempotencyKey: string; occurredAt: Date },
  ): DomainEvent<z.output<TSchema>>;
}

export function defineEvent<TSchema extends z.ZodType>(
  spec: Omit<EventDefinition<TSchema>, 'create'>,
): EventDefinition<TSchema> {
  return {
    ...spec,
    create(data, meta) {
      return {
        source: spec.source,
        detailType: spec.detailType,
        detail: {
          metadata: {
            version: spec.version,
            correlationId: meta.correlationId,
            idempotencyKey: meta.idempotencyKey,
            occurredAt: meta.occurredAt.toISOString(),
          },
          data: spec.schema.parse(data),
        },
      };
    },
  };
}
