import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EventBridgeEvent } from 'aws-lambda';
import type { EventRuleSpec } from '../shared/config/event-rules.js';
import type { QueueName } from '../shared/config/functions.js';
import type { DomainEvent } from '../shared/events/envelope.js';
import type { EventPublisher } from '../shared/ports/event-publisher.js';
import { compileEventPattern } from './event-pattern.js';
import type { LocalQueue } from './queue.js';

/**
 * The OMS bus on one machine: the rules of shared/config/event-rules.ts evaluated with EventBridge pattern
 * semantics, each match delivered to its SQS target as the full envelope (what an EventBridge → SQS target
 * does without an input transformer), and every event archived as a JSON line so it can be replayed.
 */

export type EventEnvelope = EventBridgeEvent<string, unknown>;

export interface LocalEventBusOptions {
  busName: string;
  rules: readonly EventRuleSpec[];
  targets: Record<QueueName, LocalQueue>;
  /** JSON-lines archive of every published envelope; replay() reads it back. */
  archiveFile?: string | undefined;
  account?: string;
  region?: string;
  now?: () => Date;
}

/** The PutEvents limit on one entry. */
export const MAX_EVENT_BYTES = 256 * 1024;

export class EventTooLargeError extends Error {
  constructor(
    readonly detailType: string,
    readonly size: number,
  ) {
    super(
      `Event ${detailType} is ${size} bytes; EventBridge accepts at most ${MAX_EVENT_BYTES} bytes per entry`,
    );
    this.name = 'EventTooLargeError';
  }
}

interface CompiledRule {
  spec: EventRuleSpec;
  matches: (event: unknown) => boolean;
  target: LocalQueue;
}

export class LocalEventBus implements EventPublisher {
  readonly busName: string;
  private rules: readonly CompiledRule[];
  private readonly archiveFile: string | undefined;
  private readonly account: string;
  private readonly region: string;
  private readonly now: () => Date;
  private published = 0;
  /** Archive appends are chained so lines from concurrent publish() calls never interleave. */
  private archiveWrites: Promise<void> = Promise.resolve();
  private archiveDirReady = false;

  constructor(options: LocalEventBusOptions) {
    this.busName = options.busName;
    this.archiveFile = options.archiveFile;
    this.account = options.account ?? '000000000000';
    this.region = options.region ?? 'local';
    this.now = options.now ?? (() => new Date());
    const names = new Set<string>();
    this.rules = options.rules.map((spec) => {
      if (names.has(spec.name)) throw new Error(`Duplicate event rule name ${spec.name}`);
      names.add(spec.name);
      const target = options.targets[spec.target];
      if (!target) throw new Error(`Event rule ${spec.name} targets unknown queue ${spec.target}`);
      return { spec, matches: compileEventPattern(spec.pattern), target };
    });
  }

  get publishedCount(): number {
    return this.published;
  }

  /**
   * Like PutEvents followed by rule evaluation. Every entry is checked before any is delivered, so an
   * oversized event fails the whole call instead of leaving half of it routed.
   */
  async publish(events: readonly DomainEvent[]): Promise<void> {
    const envelopes = events.map((event) => {
      const envelope = this.envelope(event);
      const size = Buffer.byteLength(JSON.stringify(envelope), 'utf8');
      if (size > MAX_EVENT_BYTES) throw new EventTooLargeError(event.detailType, size);
      return envelope;
    });
    if (envelopes.length === 0) return;
    await this.archive(envelopes);
    for (const envelope of envelopes) {
      this.published += 1;
      this.route(envelope);
    }
  }

  /**
   * Re-delivers archived events through the current rules, as an EventBridge archive replay does, marking
   * each with `replay-name`. Returns how many archived events were replayed.
   */
  async replay(filter?: (envelope: EventEnvelope) => boolean, replayName = 'local-replay'): Promise<number> {
    if (!this.archiveFile) throw new Error(`Event bus ${this.busName} has no archive to replay`);
    await this.archiveWrites;
    let text: string;
    try {
      text = await readFile(this.archiveFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    let replayed = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const envelope = JSON.parse(line) as EventEnvelope;
      if (filter && !filter(envelope)) continue;
      this.route({ ...envelope, 'replay-name': replayName });
      replayed += 1;
    }
    return replayed;
  }

  /**
   * Replaces a rule's pattern, as PutRule on an existing rule does; its target stays. The webhooks rule
   * follows the enabled subscriptions this way (shared/ports/event-routing.ts).
   */
  setRulePattern(name: string, pattern: Record<string, unknown>): void {
    const rule = this.rules.find((candidate) => candidate.spec.name === name);
    if (!rule) throw new Error(`Event bus ${this.busName} has no rule ${name}`);
    const matches = compileEventPattern(pattern);
    this.rules = this.rules.map((candidate) =>
      candidate === rule ? { ...rule, spec: { ...rule.spec, pattern }, matches } : candidate,
    );
  }

  /** The rules whose pattern matches an envelope, for inspection and tests. */
  matchingRules(envelope: unknown): EventRuleSpec[] {
    return this.rules.filter((rule) => rule.matches(envelope)).map((rule) => rule.spec);
  }

  private envelope(event: DomainEvent): EventEnvelope {
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': event.detailType,
      source: event.source,
      account: this.account,
      // EventBridge stamps events with second precision.
      time: this.now()
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
      region: this.region,
      resources: [],
      detail: event.detail,
    };
  }

  /** One SQS message per matching rule, so two rules targeting the same queue deliver twice, as on AWS. */
  private route(envelope: EventEnvelope): void {
    const body = JSON.stringify(envelope);
    for (const rule of this.rules) {
      if (rule.matches(envelope)) rule.target.send(body);
    }
  }

  private archive(envelopes: readonly EventEnvelope[]): Promise<void> {
    const file = this.archiveFile;
    if (!file) return Promise.resolve();
    const lines = envelopes.map((envelope) => `${JSON.stringify(envelope)}\n`).join('');
    const write = this.archiveWrites.then(async () => {
      if (!this.archiveDirReady) {
        await mkdir(dirname(file), { recursive: true });
        this.archiveDirReady = true;
      }
      await appendFile(file, lines, 'utf8');
    });
    // A failed append is reported to its own caller; later appends must still run.
    this.archiveWrites = write.catch(() => undefined);
    return write;
  }
}
