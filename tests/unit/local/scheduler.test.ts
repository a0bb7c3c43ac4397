import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  InvalidScheduleExpressionError,
  LocalScheduler,
  parseScheduleExpression,
} from '../../../local/scheduler.js';
import type { ScheduleName } from '../../../shared/config/functions.js';
import { type ScheduleSpec, schedules } from '../../../shared/config/schedules.js';

const expressionOf = (name: ScheduleName): string => {
  const spec = schedules.find((s) => s.name === name);
  if (!spec) throw new Error(`no schedule ${name}`);
  return spec.expression;
};

const next = (expression: string, after: string): string =>
  parseScheduleExpression(expression).next(new Date(after)).toISOString();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Given the schedules the stack deploys', () => {
  describe('When the reorder schedule (daily 05:00 UTC) is asked for its next time', () => {
    it('fires later the same day before 05:00', () => {
      expect(next(expressionOf('reorder'), '2026-01-01T04:59:59.999Z')).toBe('2026-01-01T05:00:00.000Z');
    });

    it('fires the next day when asked exactly at 05:00', () => {
      expect(next(expressionOf('reorder'), '2026-01-01T05:00:00.000Z')).toBe('2026-01-02T05:00:00.000Z');
    });
  });

  describe('When the reporting schedule (daily 06:00 UTC) crosses a year end', () => {
    it('fires on the first of January', () => {
      expect(next(expressionOf('reporting'), '2026-12-31T06:00:30Z')).toBe('2027-01-01T06:00:00.000Z');
    });
  });

  describe('When the ledger export (daily 00:30 UTC) crosses the end of February', () => {
    it('fires on the first of March, and on the 29th in a leap year', () => {
      expect(next(expressionOf('ledger-export'), '2026-02-28T00:30:00Z')).toBe('2026-03-01T00:30:00.000Z');
      expect(next(expressionOf('ledger-export'), '2024-02-28T00:30:00Z')).toBe('2024-02-29T00:30:00.000Z');
    });
  });
});

describe('Given cron expressions with the AWS syntax', () => {
  it('steps through a weekday range and skips the weekend', () => {
    const expression = 'cron(0/15 9-17 ? * MON-FRI *)';
    expect(next(expression, '2026-01-02T09:07:00Z')).toBe('2026-01-02T09:15:00.000Z');
    expect(next(expression, '2026-01-02T17:45:00Z')).toBe('2026-01-05T09:00:00.000Z');
  });

  it('numbers days of the week from 1 = Sunday', () => {
    expect(next('cron(0 10 ? * 1 *)', '2026-01-01T00:00:00Z')).toBe('2026-01-04T10:00:00.000Z');
    expect(next('cron(0 10 ? * sun *)', '2026-01-01T00:00:00Z')).toBe('2026-01-04T10:00:00.000Z');
  });

  it('accepts month names and lists', () => {
    expect(next('cron(0 0 1 JAN,JUL ? *)', '2026-01-01T00:00:00Z')).toBe('2026-07-01T00:00:00.000Z');
  });

  it('finds the last day of the month with L', () => {
    expect(next('cron(0 12 L * ? *)', '2024-02-01T00:00:00Z')).toBe('2024-02-29T12:00:00.000Z');
    expect(next('cron(0 12 L * ? *)', '2026-02-28T12:00:00Z')).toBe('2026-03-31T12:00:00.000Z');
  });

  it('finds the last given weekday, the nth weekday and the nearest weekday of a month', () => {
    expect(next('cron(0 8 ? * 6L *)', '2026-01-01T00:00:00Z')).toBe('2026-01-30T08:00:00.000Z');
    expect(next('cron(0 8 ? * MON#2 *)', '2026-01-01T00:00:00Z')).toBe('2026-01-12T08:00:00.000Z');
    expect(next('cron(0 9 15W * ? *)', '2026-02-01T00:00:00Z')).toBe('2026-02-16T09:00:00.000Z');
    expect(next('cron(0 9 1W * ? *)', '2026-07-31T00:00:00Z')).toBe('2026-08-03T09:00:00.000Z');
    expect(next('cron(0 9 LW * ? *)', '2026-05-01T00:00:00Z')).toBe('2026-05-29T09:00:00.000Z');
  });

  it('honours the year field and reports when nothing is left', () => {
    expect(next('cron(0 0 1 1 ? 2027)', '2026-06-01T00:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(() => next('cron(0 0 1 1 ? 2027)', '2027-01-01T00:00:00Z')).toThrow(/never fires/);
  });

  it.each([
    ['a missing field', 'cron(0 5 * * ?)'],
    ['both day fields as ?', 'cron(0 5 ? * ? *)'],
    ['neither day field as ?', 'cron(0 5 * * * *)'],
    ['a minute out of range', 'cron(60 5 * * ? *)'],
    ['a day of month out of range', 'cron(0 5 32 * ? *)'],
    ['an unknown month name', 'cron(0 5 * FOO ? *)'],
    ['a backwards range', 'cron(5-1 * * * ? *)'],
    ['a zero step', 'cron(*/0 * * * ? *)'],
    ['? outside the day fields', 'cron(? 5 * * ? *)'],
    ['a step in day-of-week', 'cron(0 5 ? * MON/2 *)'],
    ['L in the hours field', 'cron(0 L * * ? *)'],
    ['a year before 1970', 'cron(0 0 1 1 ? 1969)'],
    ['an occurrence after # beyond 5', 'cron(0 0 ? * MON#6 *)'],
    ['garbage', 'every day at five'],
  ])('rejects %s', (_label, expression) => {
    expect(() => parseScheduleExpression(expression)).toThrow(InvalidScheduleExpressionError);
  });
});

describe('Given rate expressions', () => {
  it('fires on the next multiple of the period', () => {
    expect(next('rate(5 minutes)', '2026-01-01T00:02:30Z')).toBe('2026-01-01T00:05:00.000Z');
    expect(next('rate(1 hour)', '2026-01-01T00:00:00Z')).toBe('2026-01-01T01:00:00.000Z');
    expect(next('rate(1 day)', '2026-01-01T13:00:00Z')).toBe('2026-01-02T00:00:00.000Z');
  });

  it.each([
    ['a plural unit for 1', 'rate(1 minutes)'],
    ['a singular unit for more than 1', 'rate(2 hour)'],
    ['a zero value', 'rate(0 minutes)'],
    ['a fractional value', 'rate(1.5 hours)'],
    ['an unknown unit', 'rate(2 weeks)'],
  ])('rejects %s', (_label, expression) => {
    expect(() => parseScheduleExpression(expression)).toThrow(InvalidScheduleExpressionError);
  });
});

describe('Given a local scheduler', () => {
  const schedulers: LocalScheduler[] = [];
  afterEach(async () => {
    await Promise.all(schedulers.splice(0).map((s) => s.stop()));
  });

  /**
   * A clock running in real time that reads `msBefore` ms before the given instant when first asked (at
   * start()), so a slow machine cannot make the test start after the instant it waits for.
   */
  const clockJustBefore = (instant: string, msBefore: number) => {
    let offset: number | undefined;
    return () => {
      offset ??= new Date(instant).getTime() - msBefore - Date.now();
      return new Date(Date.now() + offset);
    };
  };

  const reorderAt = (expression: string): ScheduleSpec[] => [
    { name: 'reorder', expression, description: '' },
  ];

  describe('When a schedule comes due', () => {
    it('runs the job and re-arms it for the following occurrence', async () => {
      const runs: ScheduleName[] = [];
      // The daily cron schedules only: the reconcile rate also falls on 05:00 and is covered elsewhere.
      const scheduler = new LocalScheduler(
        schedules.filter((spec) => spec.expression.startsWith('cron(')),
        async (name) => {
          runs.push(name);
        },
        { now: clockJustBefore('2026-01-01T05:00:00Z', 30) },
      );
      schedulers.push(scheduler);
      scheduler.start();
      expect(scheduler.nextRun('reorder')?.toISOString()).toBe('2026-01-01T05:00:00.000Z');

      await vi.waitFor(() => expect(runs).toEqual(['reorder']), { timeout: 1000 });
      await sleep(20);

      expect(runs).toEqual(['reorder']);
      expect(scheduler.nextRun('reorder')?.toISOString()).toBe('2026-01-02T05:00:00.000Z');
      expect(scheduler.nextRun('reporting')?.toISOString()).toBe('2026-01-01T06:00:00.000Z');
    });

    it('reports a failing job and keeps the schedule armed', async () => {
      const errors: [ScheduleName, unknown][] = [];
      const scheduler = new LocalScheduler(
        reorderAt('cron(0 5 * * ? *)'),
        async () => {
          throw new Error('job failed');
        },
        {
          now: clockJustBefore('2026-01-01T05:00:00Z', 20),
          onError: (name, err) => errors.push([name, err]),
        },
      );
      schedulers.push(scheduler);
      scheduler.start();
      await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 1000 });

      expect(errors[0]?.[0]).toBe('reorder');
      expect(scheduler.nextRun('reorder')?.toISOString()).toBe('2026-01-02T05:00:00.000Z');
    });
  });

  describe('When a run is triggered while another run of the same schedule is going', () => {
    it('waits for the first run to finish instead of overlapping', async () => {
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let starts = 0;
      let finished = 0;
      const scheduler = new LocalScheduler(
        reorderAt('cron(0 5 * * ? *)'),
        async () => {
          starts += 1;
          if (starts === 1) await gate;
          finished += 1;
        },
        { now: clockJustBefore('2026-01-01T05:00:00Z', 10) },
      );
      schedulers.push(scheduler);
      scheduler.start();
      await vi.waitFor(() => expect(starts).toBe(1), { timeout: 1000, interval: 1 });

      const manual = scheduler.runNow('reorder');
      await sleep(20);
      expect(starts).toBe(1);

      release();
      await manual;
      expect(starts).toBe(2);
      expect(finished).toBe(2);
    });
  });

  describe('When the next occurrence is further away than a timer can wait', () => {
    it('does not fire early', async () => {
      let runs = 0;
      const scheduler = new LocalScheduler(reorderAt('cron(0 0 1 1 ? 2199)'), async () => {
        runs += 1;
      });
      schedulers.push(scheduler);
      scheduler.start();
      await sleep(30);

      expect(runs).toBe(0);
      expect(scheduler.nextRun('reorder')?.toISOString()).toBe('2199-01-01T00:00:00.000Z');
    });
  });

  describe('When stopped', () => {
    it('disarms every schedule so nothing fires', async () => {
      let runs = 0;
      const scheduler = new LocalScheduler(
        reorderAt('cron(0 5 * * ? *)'),
        async () => {
          runs += 1;
        },
        { now: clockJustBefore('2026-01-01T05:00:00Z', 20) },
      );
      schedulers.push(scheduler);
      scheduler.start();
      await scheduler.stop();
      await sleep(50);

      expect(runs).toBe(0);
      expect(scheduler.nextRun('reorder')).toBeUndefined();
    });
  });

  describe('When built with an invalid expression or asked for an unknown schedule', () => {
    it('throws', async () => {
      expect(() => new LocalScheduler(reorderAt('cron(0 5 * * * *)'), async () => undefined)).toThrow(
        InvalidScheduleExpressionError,
      );
      const scheduler = new LocalScheduler(reorderAt('rate(1 day)'), async () => undefined);
      await expect(scheduler.runNow('reporting')).rejects.toThrow(/Unknown schedule/);
    });
  });
});
