import { Duration } from 'aws-cdk-lib';
import { EventBus, type EventPattern, type IRule, Match, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { eventRules, queueBatchingWindowSeconds, queueSettings } from '../../shared/config/event-rules.js';
import type { QueueName } from '../../shared/config/functions.js';
import { resourceNames } from '../../shared/config/resources.js';
import type { ServiceFunction } from './functions.js';
import { pascalCase } from './nag.js';

/** AWS recommends a visibility timeout of at least six times the consumer's timeout for SQS event sources. */
const visibilityTimeoutFactor = 6;

export interface EventsProps {
  /** Functions whose trigger is `{ kind: 'queue', queue }`. */
  consumers: readonly ServiceFunction<{ kind: 'queue'; queue: QueueName }>[];
}

/**
 * The OMS event bus with its archive, one rule per entry of shared/config/event-rules.ts, and the queues those
 * rules feed, each with a dead-letter queue and its consumer function.
 */
export class Events extends Construct {
  readonly bus: EventBus;
  readonly queues: ReadonlyMap<QueueName, Queue>;
  /** Each queue's dead-letter queue, by the queue's name. */
  readonly deadLetters: ReadonlyMap<QueueName, IQueue>;
  /** The rules of shared/config/event-rules.ts, by name (the webhooks rule is re-pointed at run time). */
  readonly rules: ReadonlyMap<string, IRule>;

  constructor(scope: Construct, id: string, props: EventsProps) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', { eventBusName: resourceNames.eventBusName });
    this.bus.archive('Archive', {
      description: 'Every OMS event, for replay after a consumer fix',
      eventPattern: { source: Match.prefix('oms.') },
      retention: Duration.days(30),
    });

    const queues = new Map<QueueName, Queue>();
    const deadLetters = new Map<QueueName, IQueue>();
    const names = new Set<QueueName>([
      ...eventRules.map((r) => r.target),
      ...props.consumers.map((c) => c.spec.trigger.queue),
    ]);
    for (const name of names) {
      const consumers = props.consumers.filter((c) => c.spec.trigger.queue === name);
      const [consumer] = consumers;
      if (!consumer || consumers.length > 1) {
        throw new Error(
          `Queue '${name}' needs exactly one function with the trigger { kind: 'queue', queue: '${name}' } in ` +
            `shared/config/functions.ts; found ${consumers.length}.`,
        );
      }
      const queue = this.createQueue(name, consumer.spec.timeoutSeconds);
      const window = queueBatchingWindowSeconds[name];
      consumer.fn.addEventSource(
        new SqsEventSource(queue, {
          batchSize: queueSettings.batchSize,
          reportBatchItemFailures: true,
          ...(window === undefined ? {} : { maxBatchingWindow: Duration.seconds(window) }),
        }),
      );
      queues.set(name, queue);
      if (queue.deadLetterQueue) deadLetters.set(name, queue.deadLetterQueue.queue);
    }
    this.queues = queues;
    this.deadLetters = deadLetters;

    const rules = new Map<string, IRule>();
    for (const spec of eventRules) {
      const queue = queues.get(spec.target);
      if (!queue) throw new Error(`No queue '${spec.target}' for rule '${spec.name}'`);
      const rule = new Rule(this, pascalCase(spec.name), {
        eventBus: this.bus,
        description: spec.description,
        // CDK writes the pattern's keys through unchanged (it only renames its own `detailType`), so the
        // EventBridge JSON from the config is the rule's pattern as it is.
        eventPattern: spec.pattern as EventPattern,
        targets: [new SqsQueue(queue)],
      });
      rules.set(spec.name, rule);
    }
    this.rules = rules;
  }

  private createQueue(name: QueueName, consumerTimeoutSeconds: number): Queue {
    const id = pascalCase(name);
    const deadLetters = new Queue(this, `${id}DeadLetters`, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    return new Queue(this, `${id}Queue`, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(
        Math.max(queueSettings.visibilityTimeoutSeconds, visibilityTimeoutFactor * consumerTimeoutSeconds),
      ),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: queueSettings.maxReceiveCount },
    });
  }
}
