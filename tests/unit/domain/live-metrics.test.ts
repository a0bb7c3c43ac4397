import { describe, expect, it } from 'vitest';
import {
  type LiveMetricsInput,
  liveWindow,
  lowStock,
  parseStatusEntry,
  perMinute,
  staleMark,
  summarizeLiveMetrics,
} from '../../../shared/domain/live-metrics.js';

const NOW = new Date('2030-06-01T12:00:00.000Z');

const level = (sku: string, locationId: string, onHand: number, reserved = 0, safetyStock = 0) => ({
  sku,
  locationId,
  onHand,
  reserved,
  safetyStock,
  available: Math.max(onHand - reserved - safetyStock, 0),
});

const input = (overrides: Partial<LiveMetricsInput> = {}): LiveMetricsInput => ({
  window: liveWindow(NOW, 10),
  inStatus: { placed: 1, allocated: 0, picking: 4, backordered: 2 },
  enteredInWindow: {
    placed: 5,
    allocated: 0,
    picking: 3,
    partially_shipped: 0,
    shipped: 7,
    completed: 0,
    backordered: 2,
    cancelled: 0,
    failed: 1,
  },
  stuck: {
    staleAfterSeconds: 93_600,
    enteredBefore: staleMark(NOW, 93_600),
    byStatus: { placed: 1, allocated: 0, picking: 2 },
    oldest: {
      placed: { orderId: 'ord_b', since: '2030-05-30T00:00:00.000Z' },
      picking: { orderId: 'ord_a', since: '2030-05-29T00:00:00.000Z' },
    },
  },
  deadLetters: { marketing: 0, accounting: 2, backorders: 1 },
  lowStock: { threshold: 5, skus: ['A', 'B'], levels: [level('A', 'wh-1', 9), level('A', 'wh-2', 4)] },
  ...overrides,
});

describe('Given the time now', () => {
  it('opens the window the given minutes before now and closes it now', () => {
    expect(liveWindow(NOW, 15)).toEqual({
      minutes: 15,
      from: '2030-06-01T11:45:00.000Z',
      to: '2030-06-01T12:00:00.000Z',
    });
  });

  it('refuses a window that is not a positive whole number of minutes', () => {
    expect(() => liveWindow(NOW, 0)).toThrow(RangeError);
    expect(() => liveWindow(NOW, 1.5)).toThrow(RangeError);
  });

  it("puts the stale mark the reconciler's seconds before now", () => {
    expect(staleMark(NOW, 26 * 3600)).toBe('2030-05-31T10:00:00.000Z');
  });
});

describe('Given a count over a window', () => {
  it('gives the rate per minute to two decimals', () => {
    expect(perMinute(3, 15)).toBe(0.2);
    expect(perMinute(2, 15)).toBe(0.13);
    expect(perMinute(0, 60)).toBe(0);
    expect(perMinute(900, 15)).toBe(60);
  });
});

describe('Given a status index sort key', () => {
  it('reads when the order entered its status and which order it is', () => {
    expect(parseStatusEntry('2030-06-01T11:00:00.000Z#ord_0123')).toEqual({
      since: '2030-06-01T11:00:00.000Z',
      orderId: 'ord_0123',
    });
  });

  it('reads nothing from a key without both parts', () => {
    expect(parseStatusEntry('2030-06-01T11:00:00.000Z')).toBeUndefined();
    expect(parseStatusEntry('#ord_1')).toBeUndefined();
    expect(parseStatusEntry('2030-06-01T11:00:00.000Z#')).toBeUndefined();
  });
});

describe('Given stock levels', () => {
  it('keeps those whose available-to-promise is at or below the threshold, lowest first', () => {
    const levels = [
      level('B', 'wh-1', 10, 2, 6), // available 2
      level('A', 'wh-2', 5), // 5: at the threshold, low
      level('A', 'wh-1', 6), // 6: above it
      level('C', 'wh-1', 3, 3), // 0
      level('A', 'wh-3', 2), // 2, ties with B: by SKU
    ];
    expect(lowStock(levels, 5).map((l) => `${l.sku}@${l.locationId}:${l.available}`)).toEqual([
      'C@wh-1:0',
      'A@wh-3:2',
      'B@wh-1:2',
      'A@wh-2:5',
    ]);
  });

  it('reports only the stock fields, whatever else the row carries', () => {
    const row = { ...level('A', 'wh-1', 1), buckets: 3, updatedAt: 'x' };
    expect(lowStock([row], 5)).toEqual([level('A', 'wh-1', 1)]);
  });
});

describe('Given the counts read for the live metrics', () => {
  const metrics = summarizeLiveMetrics(input());

  it('stamps them with the end of the window', () => {
    expect(metrics.generatedAt).toBe(NOW.toISOString());
    expect(metrics.window.minutes).toBe(10);
  });

  it('reports the open statuses and the throughput of every status', () => {
    expect(metrics.ordersByStatus).toEqual({ placed: 1, allocated: 0, picking: 4, backordered: 2 });
    expect(metrics.throughput.entered.shipped).toBe(7);
    expect(metrics.throughput.perMinute).toEqual({
      placed: 0.5,
      allocated: 0,
      picking: 0.3,
      partially_shipped: 0,
      shipped: 0.7,
      completed: 0,
      backordered: 0.2,
      cancelled: 0,
      failed: 0.1,
    });
  });

  it('adds backorders and failures up as allocation failures', () => {
    expect(metrics.allocationFailures).toEqual({ backordered: 2, failed: 1, total: 3, perMinute: 0.3 });
  });

  it('totals the stuck workflows and names the one stuck longest', () => {
    expect(metrics.stuckWorkflows).toMatchObject({
      byStatus: { placed: 1, allocated: 0, picking: 2 },
      total: 3,
      oldest: { orderId: 'ord_a', status: 'picking', since: '2030-05-29T00:00:00.000Z' },
    });
  });

  it('names no oldest when nothing is stuck', () => {
    const none = summarizeLiveMetrics(
      input({
        stuck: {
          staleAfterSeconds: 1,
          enteredBefore: NOW.toISOString(),
          byStatus: { placed: 0, allocated: 0, picking: 0 },
          oldest: {},
        },
      }),
    );
    expect(none.stuckWorkflows.total).toBe(0);
    expect(none.stuckWorkflows.oldest).toBeNull();
  });

  it('totals the dead letters', () => {
    expect(metrics.deadLetterQueues).toEqual({
      depths: { marketing: 0, accounting: 2, backorders: 1 },
      total: 3,
    });
  });

  it('lists the low stock and the SKUs asked about that are stocked nowhere', () => {
    expect(metrics.lowStock).toEqual({
      threshold: 5,
      skus: ['A', 'B'],
      items: [level('A', 'wh-2', 4)],
      notStocked: ['B'],
    });
  });
});
