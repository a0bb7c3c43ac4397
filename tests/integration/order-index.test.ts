import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/domain/errors.js';
import type { OrderStatus } from '../../shared/domain/order.js';
import { batchGet } from '../../shared/store/db.js';
import { keys } from '../../shared/store/keys.js';
import { type LocationRecord, listLocations, putLocation } from '../../shared/store/locations.js';
import {
  allOrdersInStatus,
  countOrdersInStatus,
  eachOrderInStatus,
  ordersInStatus,
} from '../../shared/store/order-index.js';
import { findPickTicket, listOrders, orderIndexes } from '../../shared/store/orders.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';

let deps: TestDeps;

const minute = (n: number) => new Date(Date.UTC(2030, 0, 1, 0, n)).toISOString();
const idOf = (n: number) => `ord_${n.toString(16).padStart(24, '0')}`;

/**
 * An order header as the writers leave it: created at `createdAt`, in `status` since `enteredAt` (the
 * status index's sort key), with a body the index does not hold.
 */
async function putOrder(
  n: number,
  status: OrderStatus,
  enteredAt: string,
  options: { email?: string; createdAt?: string } = {},
) {
  const id = idOf(n);
  const email = options.email ?? 'index@example.com';
  const createdAt = options.createdAt ?? enteredAt;
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.order(id),
        ...orderIndexes({ id, status, createdAt, customer: { email } }),
        gsi2sk: `${enteredAt}#${id}`,
        entity: 'Order',
        entityVersion: 1,
        id,
        status,
        customer: { email },
        lines: [{ sku: `SKU-${n}`, quantity: n, unitPrice: 100, discount: 0 }],
        createdAt,
        updatedAt: enteredAt,
        correlationId: id,
      },
    }),
  );
  return id;
}

const ids = (orders: readonly { id: string }[]) => orders.map((order) => order.id);

beforeAll(async () => {
  deps = await createTestDeps();
  // Five orders in `picking`, entered one minute apart; two elsewhere.
  for (let n = 1; n <= 5; n += 1) await putOrder(n, 'picking', minute(n));
  await putOrder(6, 'placed', minute(6));
  await putOrder(7, 'shipped', minute(7));
});

describe('Given the local table', () => {
  it('projects keys only into the status index', async () => {
    const page = await deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': 'STATUS#placed' },
      }),
    );
    expect(page.Items?.map((item) => Object.keys(item).sort())).toEqual([['gsi2pk', 'gsi2sk', 'pk', 'sk']]);
  });
});

describe('Given orders in a status', () => {
  describe('When a page is read', () => {
    it('returns the whole orders, newest entry first', async () => {
      const page = await ordersInStatus(deps, 'picking');
      expect(ids(page.orders)).toEqual([5, 4, 3, 2, 1].map(idOf));
      expect(page.orders[0]).toMatchObject({ status: 'picking', lines: [{ sku: 'SKU-5', quantity: 5 }] });
      expect(page.orders[0]).not.toHaveProperty('pk');
      expect(page.orders[0]).not.toHaveProperty('gsi2sk');
      expect(page.nextKey).toBeUndefined();
    });

    it('returns them oldest first when asked', async () => {
      const page = await ordersInStatus(deps, 'picking', { oldestFirst: true });
      expect(ids(page.orders)).toEqual([1, 2, 3, 4, 5].map(idOf));
    });
  });

  describe('When pages are followed by their key', () => {
    it('visits every order once, in order', async () => {
      const seen: string[] = [];
      let startKey: Record<string, unknown> | undefined;
      let pages = 0;
      do {
        const page = await ordersInStatus(deps, 'picking', {
          limit: 2,
          oldestFirst: true,
          ...(startKey ? { startKey } : {}),
        });
        expect(page.orders.length).toBeLessThanOrEqual(2);
        seen.push(...ids(page.orders));
        startKey = page.nextKey;
        pages += 1;
      } while (startKey);
      expect(seen).toEqual([1, 2, 3, 4, 5].map(idOf));
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    it('iterates all of them with eachOrderInStatus', async () => {
      const seen: string[] = [];
      for await (const order of eachOrderInStatus(deps, 'picking', { limit: 2 })) seen.push(order.id);
      expect(seen).toEqual([5, 4, 3, 2, 1].map(idOf));
    });
  });

  describe('When only orders that entered the status before a time are wanted', () => {
    it('reads them as a key range, the bound itself excluded', async () => {
      const stuck = await allOrdersInStatus(deps, 'picking', { enteredBefore: minute(3), oldestFirst: true });
      expect(ids(stuck)).toEqual([1, 2].map(idOf));
    });

    it('narrows to a window with enteredAfter, its bound included', async () => {
      const window = await allOrdersInStatus(deps, 'picking', {
        enteredAfter: minute(2),
        enteredBefore: minute(4),
        oldestFirst: true,
      });
      expect(ids(window)).toEqual([2, 3].map(idOf));
      expect(await allOrdersInStatus(deps, 'picking', { enteredAfter: minute(4) })).toHaveLength(2);
    });

    it('finds nothing in an empty window, without asking DynamoDB a reversed range', async () => {
      expect(
        await allOrdersInStatus(deps, 'picking', { enteredAfter: minute(4), enteredBefore: minute(2) }),
      ).toEqual([]);
      expect(
        await countOrdersInStatus(deps, 'picking', { enteredAfter: minute(3), enteredBefore: minute(3) }),
      ).toBe(0);
    });
  });

  describe('When they are counted', () => {
    it('counts index entries per status', async () => {
      expect(await countOrdersInStatus(deps, 'picking')).toBe(5);
      expect(await countOrdersInStatus(deps, 'placed')).toBe(1);
      expect(await countOrdersInStatus(deps, 'failed')).toBe(0);
      expect(await countOrdersInStatus(deps, 'picking', { enteredBefore: minute(3) })).toBe(2);
    });
  });
});

describe('Given orders listed through the API store function', () => {
  describe('When listed by status', () => {
    it('pages newest first with a cursor and returns whole orders', async () => {
      const first = await listOrders(deps, { status: 'picking', limit: 2 });
      expect(ids(first.items)).toEqual([5, 4].map(idOf));
      expect(first.items[0]).toMatchObject({
        lines: [{ sku: 'SKU-5' }],
        customer: { email: 'index@example.com' },
      });
      expect(first.nextCursor).toEqual(expect.any(String));
      const seen = ids(first.items);
      let cursor = first.nextCursor;
      while (cursor) {
        const page = await listOrders(deps, { status: 'picking', limit: 2, cursor });
        seen.push(...ids(page.items));
        cursor = page.nextCursor;
      }
      expect(seen).toEqual([5, 4, 3, 2, 1].map(idOf));
    });
  });

  describe('When listed by customer email', () => {
    let mine: string[];

    beforeAll(async () => {
      // Created in one order, moved into their status in another: the email listing follows creation.
      mine = [
        await putOrder(11, 'placed', minute(30), { email: 'Pager@Example.com', createdAt: minute(20) }),
        await putOrder(12, 'shipped', minute(25), { email: 'pager@example.com', createdAt: minute(21) }),
        await putOrder(13, 'placed', minute(24), { email: 'pager@example.com', createdAt: minute(22) }),
      ];
    });

    it('pages newest first by creation', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await listOrders(deps, {
          email: 'pager@example.com',
          limit: 2,
          ...(cursor ? { cursor } : {}),
        });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...ids(page.items));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...mine].reverse());
    });

    it('keeps only the orders in the status when a status is given too', async () => {
      const page = await listOrders(deps, { email: 'PAGER@example.com', status: 'placed', limit: 10 });
      expect(ids(page.items)).toEqual([idOf(13), idOf(11)]);
      expect(page.nextCursor).toBeUndefined();
      const none = await listOrders(deps, { email: 'pager@example.com', status: 'picking', limit: 10 });
      expect(none.items).toEqual([]);
    });

    it('refuses a cursor of another listing, or one made up, as a validation error', async () => {
      const byStatus = await listOrders(deps, { status: 'picking', limit: 1 });
      expect(byStatus.nextCursor).toEqual(expect.any(String));
      await expect(
        listOrders(deps, { email: 'pager@example.com', limit: 1, cursor: byStatus.nextCursor ?? '' }),
      ).rejects.toBeInstanceOf(ValidationError);
      const byEmail = await listOrders(deps, { email: 'pager@example.com', limit: 1 });
      await expect(
        listOrders(deps, { email: 'other@example.com', limit: 1, cursor: byEmail.nextCursor ?? '' }),
      ).rejects.toBeInstanceOf(ValidationError);
      for (const cursor of [
        'not-a-cursor',
        Buffer.from('{"pk":"","sk":""}').toString('base64url'),
        Buffer.from('{"gsi2pk":1,"gsi2sk":{}}').toString('base64url'),
      ]) {
        await expect(listOrders(deps, { status: 'picking', limit: 1, cursor })).rejects.toBeInstanceOf(
          ValidationError,
        );
      }
    });
  });
});

describe('Given pick tickets', () => {
  const orderId = idOf(99);
  const ticketId = `pt_${orderId.replace(/^ord_/, '')}_1`;

  beforeAll(async () => {
    await deps.db.send(
      new PutCommand({
        TableName: deps.tableName,
        Item: {
          ...keys.pickTicket(orderId, ticketId),
          entity: 'PickTicket',
          entityVersion: 1,
          id: ticketId,
          orderId,
          locationId: 'wh-1',
          status: 'open',
          lines: [{ sku: 'SKU-1', quantity: 1, bin: 'BIN-SKU-1' }],
          taskToken: 'token',
          createdAt: minute(40),
        },
      }),
    );
  });

  it('finds a ticket by an id that carries its order', async () => {
    expect(await findPickTicket(deps, ticketId)).toMatchObject({ id: ticketId, orderId, status: 'open' });
    expect(await findPickTicket(deps, `pt_${orderId.replace(/^ord_/, '')}_2`)).toBeUndefined();
  });

  it('finds nothing for an id of any other form', async () => {
    for (const id of ['PT-1', 'pt_01HZZZZZZZZZZZZZZZZZZZZZZZ', `pt_${orderId}_1`, '']) {
      expect(await findPickTicket(deps, id)).toBeUndefined();
    }
  });
});

describe('Given locations', () => {
  const location = (id: string): LocationRecord => ({
    id,
    kind: 'warehouse',
    name: `Warehouse ${id}`,
    address: { line1: '1 Dock', city: 'Newark', postalCode: '07114', country: 'US' },
    shipsToHome: true,
    pickup: false,
    dailyCapacity: 7,
    cutoffTime: '16:00',
  });

  it('lists them whole, by id, although the index holds only their keys', async () => {
    await putLocation(deps, location('wh-b'));
    await putLocation(deps, location('wh-a'));
    expect(await listLocations(deps)).toEqual([location('wh-a'), location('wh-b')]);
  });
});

describe('Given more keys than one BatchGetItem takes', () => {
  it('reads them in chunks, in the order asked, without the missing ones or repeats', async () => {
    const count = 230;
    for (let n = 0; n < count; n += 1) {
      await deps.db.send(
        new PutCommand({ TableName: deps.tableName, Item: { pk: `BATCH#${n}`, sk: 'ITEM', n } }),
      );
    }
    const wanted = [
      ...Array.from({ length: count }, (_, n) => count - 1 - n),
      5,
      count + 1,
      count + 2,
      7,
    ].map((n) => ({ pk: `BATCH#${n}`, sk: 'ITEM' }));
    const items = await batchGet(deps, wanted, { consistent: true });
    expect(items.map((item) => item.n)).toEqual(Array.from({ length: count }, (_, n) => count - 1 - n));
  });

  it('returns nothing for no keys', async () => {
    expect(await batchGet(deps, [])).toEqual([]);
  });
});
