import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { LocalWorkflowEngine, type TransitionCount } from '../../../local/workflow-engine.js';
import type { FunctionSpec } from '../../../shared/config/functions.js';

// Counts how often a definition is validated and built: the engine should do it once per definition.
const built = vi.hoisted(() => ({ count: 0 }));
vi.mock('aws-local-stepfunctions', async (importOriginal) => {
  const original = await importOriginal<typeof import('aws-local-stepfunctions')>();
  class CountingStateMachine extends original.StateMachine {
    constructor(...args: ConstructorParameters<typeof original.StateMachine>) {
      super(...args);
      built.count += 1;
    }
  }
  return { ...original, StateMachine: CountingStateMachine };
});

const definition = (file: string) =>
  JSON.parse(readFileSync(new URL(`../../../statemachines/${file}`, import.meta.url), 'utf8'));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(5);
  }
}

/** The engine over the real ASL files, with every function faked and every call recorded. */
function harness(fail: Partial<Record<string, Error>> = {}) {
  const calls: { fn: string; payload: Record<string, unknown> }[] = [];
  const transitions: Record<'standard' | 'express', number> = { standard: 0, express: 0 };
  const executions: { workflow: string; name: string }[] = [];
  const tasks: { workflow: string; function?: string; stateMachine?: string }[] = [];
  const gates = new Map<string, Promise<void>>();
  const invoke = async (spec: FunctionSpec, event: unknown) => {
    const payload = event as Record<string, unknown>;
    calls.push({ fn: spec.name, payload });
    await gates.get(spec.name);
    const failure = fail[spec.name];
    if (failure) throw failure;
    switch (spec.name) {
      case 'select-carrier':
        return { shipments: [{ carrier: 'ups' }] };
      case 'bill-order':
        return { payment: { status: 'captured' } };
      case 'notify-customer':
        return { notification: { channel: 'email' } };
      default:
        return {};
    }
  };
  const engine = new LocalWorkflowEngine(
    {
      fulfillment: definition('order-fulfillment.asl.json'),
      shipping: definition('order-shipping.asl.json'),
    },
    invoke,
    {
      retryIntervalMs: 1,
      onTransition: ({ workflow, transitions: n }: TransitionCount) => {
        transitions[workflow] += n;
      },
      onExecution: ({ workflow, name }) => void executions.push({ workflow, name }),
      onTask: (task) => void tasks.push(task),
    },
  );
  const called = () => calls.map((call) => call.fn);
  const tokenOf = () => String(calls.find((call) => call.fn === 'allocate-order')?.payload.taskToken);
  return { engine, calls, called, transitions, executions, tasks, gates, tokenOf };
}

describe('Given the local engine over the deployed ASL files', () => {
  describe('When an order is allocated and its pick confirmed', () => {
    it('ends order-fulfillment after one Standard transition, having invoked only the allocation', async () => {
      const { engine, called, transitions, tokenOf } = harness();
      await engine.start('order-1', { orderId: 'order-1' });
      expect(await engine.parked('order-1')).toBe(true);
      expect(await engine.isRunning('order-1')).toBe(true);

      await engine.succeed(tokenOf(), { picked: true });
      await engine.idle();

      expect(engine.execution('order-1')).toMatchObject({
        stateMachine: 'order-fulfillment',
        status: 'SUCCEEDED',
      });
      expect(await engine.isRunning('order-1')).toBe(false);
      expect(called()).toEqual(['allocate-order']);
      expect(transitions).toEqual({ standard: 1, express: 0 });
    });

    it('starts nothing for a name that already ran', async () => {
      const { engine } = harness();
      expect((await engine.start('order-2', { orderId: 'order-2' })).alreadyStarted).toBe(false);
      expect((await engine.start('order-2', { orderId: 'order-2' })).alreadyStarted).toBe(true);
      engine.stop();
    });
  });

  describe('When the pick confirmation fails the wait', () => {
    it('voids the payment, releases the stock and marks the order failed', async () => {
      const { engine, called, tokenOf } = harness();
      await engine.start('order-3', { orderId: 'order-3' });
      await engine.parked('order-3');
      await engine.fail(tokenOf(), 'PickShortError', 'short pick');
      await engine.idle();

      expect(called()).toEqual([
        'allocate-order',
        'cancel-payment',
        'release-allocation',
        'mark-order-failed',
      ]);
      expect(engine.execution('order-3')?.status).toBe('FAILED');
    });
  });

  describe('When the pick confirmation starts the shipping run', () => {
    it('runs select carrier, bill and notify as a top-level Express execution', async () => {
      const { engine, calls, called, transitions, executions, tasks, gates } = harness();
      const gate = Promise.withResolvers<void>();
      gates.set('notify-customer', gate.promise);
      const shipping = engine.shippingStarter();
      const started = await shipping.start('order-4.ship', {
        orderId: 'order-4',
        correlationId: 'c-4',
        pickTicketIds: ['pt_4_1'],
      });
      expect(started).toMatchObject({ alreadyStarted: false });
      expect(started.executionId).toContain(':express:order-shipping:order-4.ship:');

      await until(() => called().includes('notify-customer'));
      expect(await shipping.isRunning('order-4.ship')).toBe(true);
      // The Standard namespace is another state machine's.
      expect(await engine.isRunning('order-4.ship')).toBe(false);
      gate.resolve();
      await engine.idle();

      expect(await shipping.isRunning('order-4.ship')).toBe(false);
      expect(engine.execution('order-4.ship', 'order-shipping')).toMatchObject({
        status: 'SUCCEEDED',
        output: {
          orderId: 'order-4',
          carrier: { shipments: [{ carrier: 'ups' }] },
          billing: { payment: { status: 'captured' } },
          notify: { notification: { channel: 'email' } },
        },
      });
      expect(called()).toEqual(['select-carrier', 'bill-order', 'notify-customer']);
      expect(calls.every((call) => call.payload.orderId === 'order-4')).toBe(true);
      // Each step is scoped to the tickets the run ships.
      expect(calls.every((call) => JSON.stringify(call.payload.pickTicketIds) === '["pt_4_1"]')).toBe(true);
      expect(transitions).toEqual({ standard: 0, express: 3 });
      expect(executions).toEqual([{ workflow: 'express', name: 'order-4.ship' }]);
      expect(new Set(tasks.map((task) => task.workflow))).toEqual(new Set(['express']));
    });

    it('starts again under the same name, as Express does on AWS', async () => {
      const { engine, called } = harness();
      const shipping = engine.shippingStarter();
      const first = await shipping.start('order-5.ship', { orderId: 'order-5', pickTicketIds: ['pt_5_1'] });
      const second = await shipping.start('order-5.ship', { orderId: 'order-5', pickTicketIds: ['pt_5_1'] });
      await engine.idle();

      expect(second.alreadyStarted).toBe(false);
      expect(second.executionId).not.toBe(first.executionId);
      expect(called().filter((fn) => fn === 'bill-order')).toHaveLength(2);
      expect(engine.list().filter((record) => record.name === 'order-5.ship')).toHaveLength(2);
    });
  });

  describe('When billing keeps failing in the shipping run', () => {
    it('retries it three times, then voids or refunds, releases the stock and marks the order failed', async () => {
      const failure = new Error('card declined');
      failure.name = 'PaymentDeclinedError';
      const { engine, calls, called } = harness({ 'bill-order': failure });
      await engine.shippingStarter().start('order-6.ship', { orderId: 'order-6', pickTicketIds: ['pt_6_1'] });
      await engine.idle();

      expect(called()).toEqual([
        'select-carrier',
        // The first attempt and MaxAttempts (3) retries.
        'bill-order',
        'bill-order',
        'bill-order',
        'bill-order',
        'cancel-payment',
        'release-allocation',
        'mark-order-failed',
      ]);
      const cancel = calls.find((call) => call.fn === 'cancel-payment');
      expect(cancel?.payload).toMatchObject({
        orderId: 'order-6',
        error: { Error: 'PaymentDeclinedError', Cause: expect.stringContaining('card declined') },
      });
      expect(engine.execution('order-6.ship', 'order-shipping')?.status).toBe('FAILED');
    });
  });

  describe('When it runs many executions', () => {
    it('builds each definition into a state machine once, not once per execution', async () => {
      const before = built.count;
      const { engine, tokenOf } = harness();
      expect(built.count - before).toBe(2);

      await engine.start('order-7', { orderId: 'order-7' });
      await engine.parked('order-7');
      await engine.succeed(tokenOf(), {});
      for (const n of [1, 2, 3])
        await engine.shippingStarter().start(`order-7.ship.${n}`, { orderId: 'o', pickTicketIds: [] });
      await engine.idle();

      expect(engine.list().map((record) => record.status)).toEqual([
        'SUCCEEDED',
        'SUCCEEDED',
        'SUCCEEDED',
        'SUCCEEDED',
      ]);
      expect(built.count - before).toBe(2);
    });
  });
});
