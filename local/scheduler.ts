import type { ScheduleName } from '../shared/config/functions.js';
import type { ScheduleSpec } from '../shared/config/schedules.js';

/**
 * EventBridge Scheduler on one machine: the expressions of shared/config/schedules.ts parsed with the AWS
 * syntax (UTC only) and fired from timers that never keep the process alive.
 */

export class InvalidScheduleExpressionError extends Error {
  constructor(expression: string, reason: string) {
    super(`Invalid schedule expression '${expression}': ${reason}`);
    this.name = 'InvalidScheduleExpressionError';
  }
}

export interface ScheduleExpression {
  /** The first fire time strictly after `after`. Throws when the expression never fires again. */
  next(after: Date): Date;
}

const MINUTE_MS = 60_000;
const RATE_UNITS: Record<string, number> = {
  minute: MINUTE_MS,
  hour: 60 * MINUTE_MS,
  day: 24 * 60 * MINUTE_MS,
};

/**
 * Parses `rate(n unit)` or `cron(minutes hours day-of-month month day-of-week year)`.
 *
 * A rate fires on multiples of its period counted from the Unix epoch: AWS counts from the moment the
 * schedule is created, which has no local equivalent, and an epoch anchor keeps `next` a pure function.
 */
export function parseScheduleExpression(expression: string): ScheduleExpression {
  const text = expression.trim();
  const rate = /^rate\(\s*(\S+)\s+(\S+)\s*\)$/.exec(text);
  if (rate) return parseRate(expression, rate[1] ?? '', rate[2] ?? '');
  const cron = /^cron\((.*)\)$/.exec(text);
  if (cron) return parseCron(expression, cron[1] ?? '');
  throw new InvalidScheduleExpressionError(expression, 'expected rate(value unit) or cron(6 fields)');
}

function parseRate(expression: string, valueText: string, unitText: string): ScheduleExpression {
  if (!/^[1-9]\d*$/.test(valueText)) {
    throw new InvalidScheduleExpressionError(expression, 'the rate value must be a positive integer');
  }
  const value = Number(valueText);
  const singular = unitText.endsWith('s') ? unitText.slice(0, -1) : unitText;
  const unitMs = RATE_UNITS[singular];
  if (unitMs === undefined) {
    throw new InvalidScheduleExpressionError(
      expression,
      'the rate unit must be minute(s), hour(s) or day(s)',
    );
  }
  // AWS insists on "1 minute" and "5 minutes"; accepting the other form locally would hide a deploy failure.
  if ((value === 1) !== (singular === unitText)) {
    throw new InvalidScheduleExpressionError(
      expression,
      'use a singular unit for 1 and a plural unit otherwise',
    );
  }
  const period = value * unitMs;
  return { next: (after) => new Date(Math.floor(after.getTime() / period) * period + period) };
}

// ---------------------------------------------------------------------------------------------------------
// cron

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Characters AWS allows in this field besides digits and names. */
  allowed: string;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: readonly FieldSpec[] = [
  { name: 'minutes', min: 0, max: 59, allowed: ',-*/' },
  { name: 'hours', min: 0, max: 23, allowed: ',-*/' },
  { name: 'day-of-month', min: 1, max: 31, allowed: ',-*?/LW' },
  { name: 'month', min: 1, max: 12, names: MONTHS, allowed: ',-*/' },
  { name: 'day-of-week', min: 1, max: 7, names: DAYS, allowed: ',-*?L#' },
  { name: 'year', min: 1970, max: 2199, allowed: ',-*/' },
];

/** How a day-of-month or day-of-week field decides whether a date qualifies. */
type DayRule = (date: {
  year: number;
  month: number;
  day: number;
  weekday: number;
  lastDay: number;
}) => boolean;

function parseCron(expression: string, body: string): ScheduleExpression {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6) {
    throw new InvalidScheduleExpressionError(expression, `cron needs 6 fields, got ${parts.length}`);
  }
  const [minuteText, hourText, domText, monthText, dowText, yearText] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const fail = (reason: string): never => {
    throw new InvalidScheduleExpressionError(expression, reason);
  };
  const [minuteSpec, hourSpec, domSpec, monthSpec, dowSpec, yearSpec] = FIELDS as [
    FieldSpec,
    FieldSpec,
    FieldSpec,
    FieldSpec,
    FieldSpec,
    FieldSpec,
  ];
  if ((domText === '?') === (dowText === '?')) {
    fail('exactly one of day-of-month and day-of-week must be ?');
  }
  const minutes = parseValues(minuteText, minuteSpec, fail);
  const hours = parseValues(hourText, hourSpec, fail);
  const months = parseValues(monthText, monthSpec, fail);
  const years = parseValues(yearText, yearSpec, fail);
  const dayRule =
    domText === '?' ? parseDayOfWeek(dowText, dowSpec, fail) : parseDayOfMonth(domText, domSpec, fail);

  return {
    next(after) {
      // Cron fires on whole minutes; start at the first whole minute strictly after `after`.
      const from = Math.floor(after.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
      const start = new Date(from);
      const startDay = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
      for (const year of years) {
        if (year < start.getUTCFullYear()) continue;
        for (const month of months) {
          if (Date.UTC(year, month, 1) <= startDay) continue;
          const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
          for (let day = 1; day <= lastDay; day++) {
            const midnight = Date.UTC(year, month - 1, day);
            if (midnight < startDay) continue;
            const weekday = new Date(midnight).getUTCDay() + 1;
            if (!dayRule({ year, month, day, weekday, lastDay })) continue;
            for (const hour of hours) {
              for (const minute of minutes) {
                const candidate = midnight + (hour * 60 + minute) * MINUTE_MS;
                if (candidate >= from) return new Date(candidate);
              }
            }
          }
        }
      }
      throw new Error(`Schedule expression '${expression}' never fires after ${after.toISOString()}`);
    },
  };
}

/** Sorted distinct values of a plain field: lists of `*`, `n`, `a-b`, each optionally `/step`. */
function parseValues(text: string, spec: FieldSpec, fail: (reason: string) => never): number[] {
  checkCharacters(text, spec, fail);
  const values = new Set<number>();
  for (const item of text.split(',')) {
    for (const value of expandItem(item, spec, fail)) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

function expandItem(item: string, spec: FieldSpec, fail: (reason: string) => never): number[] {
  const [range = '', stepText, ...extra] = item.split('/');
  if (extra.length > 0) fail(`'${item}' has more than one / in ${spec.name}`);
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText) || Number(stepText) < 1)
      fail(`'${item}' has an invalid step in ${spec.name}`);
    step = Number(stepText);
  }
  let low: number;
  let high: number;
  if (range === '*') {
    low = spec.min;
    high = spec.max;
  } else {
    const bounds = range.split('-');
    if (bounds.length > 2) fail(`'${item}' is not a valid range in ${spec.name}`);
    low = parseValue(bounds[0] ?? '', spec, fail);
    // `5/15` means "from 5, every 15" up to the end of the field.
    high =
      bounds[1] !== undefined ? parseValue(bounds[1], spec, fail) : stepText !== undefined ? spec.max : low;
    if (low > high) fail(`'${item}' runs backwards in ${spec.name}`);
  }
  const values: number[] = [];
  for (let v = low; v <= high; v += step) values.push(v);
  return values;
}

function parseValue(text: string, spec: FieldSpec, fail: (reason: string) => never): number {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  const value = named >= 0 ? named + 1 : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= spec.min && value <= spec.max)) {
    fail(`'${text}' is not a valid ${spec.name} (${spec.min}-${spec.max})`);
  }
  return value;
}

function checkCharacters(text: string, spec: FieldSpec, fail: (reason: string) => never): void {
  if (text === '') fail(`${spec.name} is empty`);
  for (const char of text) {
    if (/\d/.test(char) || (spec.names && /[A-Za-z]/.test(char))) continue;
    if (!spec.allowed.includes(char)) fail(`'${char}' is not allowed in ${spec.name}`);
  }
}

function parseDayOfMonth(text: string, spec: FieldSpec, fail: (reason: string) => never): DayRule {
  checkCharacters(text, spec, fail);
  const rules: DayRule[] = [];
  const plain: string[] = [];
  for (const item of text.split(',')) {
    if (item === 'L') {
      rules.push((d) => d.day === d.lastDay);
    } else if (item === 'LW') {
      rules.push((d) => d.day === nearestWeekday(d.lastDay, d));
    } else if (item.endsWith('W')) {
      const target = parseValue(item.slice(0, -1), spec, fail);
      rules.push((d) => d.day === nearestWeekday(Math.min(target, d.lastDay), d));
    } else if (item.includes('L') || item.includes('W')) {
      fail(`'${item}' is not supported in ${spec.name}`);
    } else {
      plain.push(item);
    }
  }
  if (plain.length > 0) {
    const days = new Set(parseValues(plain.join(','), spec, fail));
    rules.push((d) => days.has(d.day));
  }
  return (d) => rules.some((rule) => rule(d));
}

/** `nW`: the weekday closest to day n, never leaving the month (Quartz and AWS semantics). */
function nearestWeekday(target: number, d: { year: number; month: number; lastDay: number }): number {
  const weekday = new Date(Date.UTC(d.year, d.month - 1, target)).getUTCDay();
  if (weekday === 6) return target === 1 ? 3 : target - 1;
  if (weekday === 0) return target === d.lastDay ? target - 2 : target + 1;
  return target;
}

function parseDayOfWeek(text: string, spec: FieldSpec, fail: (reason: string) => never): DayRule {
  checkCharacters(text, spec, fail);
  const rules: DayRule[] = [];
  const plain: string[] = [];
  for (const item of text.split(',')) {
    const nth = /^(\w+)#(\d+)$/.exec(item);
    const last = /^(\w+)L$/.exec(item);
    if (item === 'L') {
      // A bare L is the last day of the week, Saturday.
      plain.push('7');
    } else if (nth) {
      const weekday = parseValue(nth[1] ?? '', spec, fail);
      const n = Number(nth[2]);
      if (n < 1 || n > 5) fail(`'${item}': the occurrence after # must be 1-5`);
      rules.push((d) => d.weekday === weekday && Math.ceil(d.day / 7) === n);
    } else if (last) {
      const weekday = parseValue(last[1] ?? '', spec, fail);
      rules.push((d) => d.weekday === weekday && d.day + 7 > d.lastDay);
    } else if (item.includes('#')) {
      fail(`'${item}' is not a valid ${spec.name}`);
    } else {
      plain.push(item);
    }
  }
  if (plain.length > 0) {
    const days = new Set(parseValues(plain.join(','), spec, fail));
    rules.push((d) => days.has(d.weekday));
  }
  return (d) => rules.some((rule) => rule(d));
}

// ---------------------------------------------------------------------------------------------------------
// LocalScheduler

/** setTimeout overflows (and fires at once) past 2^31-1 ms; longer waits are taken in steps. */
const MAX_TIMER_MS = 2_147_483_647;

export interface LocalSchedulerOptions {
  now?: () => Date;
  onError?: (name: ScheduleName, err: unknown) => void;
}

interface ScheduleState {
  spec: ScheduleSpec;
  expression: ScheduleExpression;
  timer: NodeJS.Timeout | undefined;
  plannedAt: Date | undefined;
  running: Promise<void> | undefined;
}

export class LocalScheduler {
  private readonly states = new Map<ScheduleName, ScheduleState>();
  private readonly now: () => Date;
  private readonly onError: (name: ScheduleName, err: unknown) => void;
  private started = false;

  constructor(
    schedules: readonly ScheduleSpec[],
    private readonly run: (name: ScheduleName) => Promise<void>,
    options: LocalSchedulerOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.onError = options.onError ?? ((name, err) => console.error(`[schedule ${name}]`, err));
    for (const spec of schedules) {
      if (this.states.has(spec.name)) throw new Error(`Duplicate schedule ${spec.name}`);
      this.states.set(spec.name, {
        spec,
        expression: parseScheduleExpression(spec.expression),
        timer: undefined,
        plannedAt: undefined,
        running: undefined,
      });
    }
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const state of this.states.values()) this.arm(state, this.now());
  }

  /** Disarms every schedule and resolves once runs already under way have finished. */
  async stop(): Promise<void> {
    this.started = false;
    const running: Promise<void>[] = [];
    for (const state of this.states.values()) {
      if (state.timer) clearTimeout(state.timer);
      state.timer = undefined;
      state.plannedAt = undefined;
      if (state.running) running.push(state.running.catch(() => undefined));
    }
    await Promise.all(running);
  }

  /** When a schedule fires next, or undefined when the scheduler is stopped. */
  nextRun(name: ScheduleName): Date | undefined {
    return this.state(name).plannedAt;
  }

  /**
   * Runs a schedule's job now, after any run of it that is still going (runs of one schedule never overlap).
   * The job's error is the caller's to handle.
   */
  async runNow(name: ScheduleName): Promise<void> {
    const state = this.state(name);
    while (state.running) await state.running.catch(() => undefined);
    await this.execute(state);
  }

  private state(name: ScheduleName): ScheduleState {
    const state = this.states.get(name);
    if (!state) throw new Error(`Unknown schedule ${name}`);
    return state;
  }

  private arm(state: ScheduleState, after: Date): void {
    if (!this.started) return;
    let plannedAt: Date;
    try {
      plannedAt = state.expression.next(after);
    } catch (err) {
      state.plannedAt = undefined;
      this.onError(state.spec.name, err);
      return;
    }
    state.plannedAt = plannedAt;
    this.wait(state, plannedAt);
  }

  private wait(state: ScheduleState, plannedAt: Date): void {
    const delay = Math.max(0, plannedAt.getTime() - this.now().getTime());
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(
      () => {
        state.timer = undefined;
        if (delay > MAX_TIMER_MS) {
          this.wait(state, plannedAt);
        } else {
          void this.fire(state, plannedAt);
        }
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    state.timer.unref();
  }

  private async fire(state: ScheduleState, plannedAt: Date): Promise<void> {
    // A run still going (a long job, or a runNow) makes this occurrence a skip rather than an overlap.
    if (!state.running) {
      try {
        await this.execute(state);
      } catch (err) {
        this.onError(state.spec.name, err);
      }
    }
    // Counting from the planned time too means a clock that lags the timer cannot fire one occurrence twice.
    const now = this.now();
    this.arm(state, now > plannedAt ? now : plannedAt);
  }

  private async execute(state: ScheduleState): Promise<void> {
    const running = Promise.resolve().then(() => this.run(state.spec.name));
    state.running = running;
    try {
      await running;
    } finally {
      if (state.running === running) state.running = undefined;
    }
  }
}
