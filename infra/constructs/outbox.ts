import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Trigger } from '../../shared/config/functions.js';
import { outboxStreamFilter } from '../../shared/config/outbox.js';
import type { ServiceFunction } from './functions.js';
import { acknowledge } from './nag.js';

export interface OutboxProps {
  table: ITable;
  /** Functions whose trigger is `{ kind: 'stream' }`: the outbox publisher. */
  publishers: ServiceFunction<Extract<Trigger, { kind: 'stream' }>>[];
}

/**
 * The transactional outbox's publisher: the table's stream, filtered in the event source mapping to writes
 * whose item carries an outbox (shared/config/outbox.ts), so the function is invoked for nothing else. Failed batches are bisected and retried; a
 * record that keeps failing lands in a dead-letter queue with its stream position for a redrive.
 */
export class Outbox extends Construct {
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: OutboxProps) {
    super(scope, id);
    if (props.publishers.length !== 1) {
      throw new Error('exactly one function needs the trigger { kind: "stream" } (the outbox publisher)');
    }
    this.deadLetters = new Queue(this, 'FailedRecords', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.deadLetters,
      'SQS3',
      'This queue is itself the on-failure destination of the outbox stream mapping, which cdk-nag does not ' +
        'recognise as a dead-letter use.',
    );
    for (const publisher of props.publishers) {
      publisher.fn.addEventSource(
        new DynamoEventSource(props.table, {
          startingPosition: StartingPosition.TRIM_HORIZON,
          batchSize: 100,
          maxBatchingWindow: Duration.seconds(1),
          bisectBatchOnError: true,
          retryAttempts: 10,
          reportBatchItemFailures: true,
          onFailure: new SqsDlq(this.deadLetters),
          filters: [FilterCriteria.filter(structuredClone(outboxStreamFilter) as Record<string, unknown>)],
        }),
      );
    }
  }
}
