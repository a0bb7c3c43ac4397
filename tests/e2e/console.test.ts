import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import {
  eventually,
  placeStandardOrder,
  type Reply,
  startTestRuntime,
  type TestRuntime,
} from '../support/runtime.js';

/**
 * The console driven in Chromium against the real local runtime: every journey acts through the screen with
 * the keyboard, then checks what the API says happened (stock, payment, ledger, timeline).
 */

let oms: TestRuntime;
let browser: Browser;
let page: Page;
const email = `grace.${Date.now()}@example.com`;
let orderId: string;
/** Ann's token, for reading what the agent routes say happened. */
let annToken: string;

/** Places the fixture order (2 × SKU-TSHIRT-M, 1 × SKU-MUG, 68.59 USD) for a customer. */
const placeOrder = (customerEmail: string) =>
  placeStandardOrder(oms, (order) => {
    order.data.customer.email = customerEmail;
  });

const getOrder = async (id: string): Promise<Reply['body']> =>
  (await oms.request('GET', `/orders/${id}`)).body;

const orderInStatus = (id: string, status: string) =>
  eventually(async () => {
    const order = await getOrder(id);
    return order?.status === status ? order : undefined;
  }, 30_000);

const asAgent = (token: string) => ({ authorization: `Bearer ${token}` });

async function tokenOf(username: string, password: string): Promise<string> {
  const reply = await oms.request('POST', '/agent/session', { username, password });
  expect(reply.status, reply.text).toBe(201);
  return reply.body.token;
}

const availableOf = async (sku: string): Promise<number> => {
  const reply = await oms.request('GET', `/agent/inventory/${sku}`, undefined, asAgent(annToken));
  expect(reply.status, reply.text).toBe(200);
  return reply.body.totals.available;
};

const onHandAt = async (sku: string, locationId: string): Promise<number> => {
  const reply = await oms.request('GET', `/inventory/${sku}`);
  return reply.body.locations.find((row: { locationId: string }) => row.locationId === locationId).onHand;
};

/** Every currency's trial balance sums to zero (and there is one at all). */
async function expectBalancedLedger(): Promise<void> {
  const balance = (await oms.request('GET', '/ledger/trial-balance')).body;
  expect(balance.currencies.length).toBeGreaterThan(0);
  for (const book of balance.currencies) expect(book.totals.balance).toBe(0);
}

/** The warehouse confirms every open ticket in full; the workflow ships, bills and posts the sale. */
async function shipOrder(id: string): Promise<Reply['body']> {
  const order = await getOrder(id);
  const open = order.pickTickets.filter((ticket: { status: string }) => ticket.status === 'open');
  expect(open.length).toBeGreaterThan(0);
  for (const ticket of open) {
    const confirmed = await oms.request('POST', `/pick-tickets/${ticket.id}/confirm`, {
      lines: ticket.lines.map(({ sku, quantity }: { sku: string; quantity: number }) => ({ sku, quantity })),
    });
    expect(confirmed.status, confirmed.text).toBe(200);
  }
  return await eventually(async () => {
    const shipped = await getOrder(id);
    return shipped.status === 'shipped' && shipped.journal.length > 0 ? shipped : undefined;
  }, 30_000);
}

async function signIn(target: Page, username: string, password: string): Promise<void> {
  await target.goto(`${oms.url}/console/`);
  await target.locator('input[name=username]').focus();
  await target.keyboard.type(username);
  await target.keyboard.press('Tab');
  await target.keyboard.type(password);
  await target.keyboard.press('Enter');
  // A locator wait, not expect.poll: this also runs in beforeAll.
  await target.locator('#who').getByText(`${username} (`).waitFor();
}

async function openOrder(target: Page, id: string): Promise<void> {
  await target.goto(`${oms.url}/console/#/orders/${id}`);
  await target.reload();
  await expect.poll(() => target.locator('#status').textContent()).toBe(`Order ${id} loaded`);
}

/** Focuses a field and replaces what it holds by typing, as a keyboard user does. */
async function typeInto(target: Page, field: Locator, value: string): Promise<void> {
  await field.focus();
  await target.keyboard.press('ControlOrMeta+A');
  await target.keyboard.type(value);
}

/**
 * Runs one action of the order view from the keyboard: opens its fold, lets `fill` enter the fields, types
 * the reason and submits with Enter on the button. Returns what the status line said once the API answered.
 */
async function act(
  target: Page,
  name: string,
  reason: string,
  fill: (form: Locator) => Promise<void> = async () => {},
): Promise<{ message: string; error: boolean }> {
  const fold = target.locator('details.action').filter({
    has: target.locator('summary').getByText(name, { exact: true }),
  });
  await expect.poll(() => fold.count(), { timeout: 10_000 }).toBe(1);
  await fold.locator('summary').focus();
  await target.keyboard.press('Enter');
  const form = fold.locator('form');
  await fill(form);
  await form.locator('textarea[name=reason]').focus();
  await target.keyboard.type(reason);
  await target.evaluate(`document.getElementById('status').textContent = ''`);
  await form.locator('button[type=submit]').focus();
  await target.keyboard.press('Enter');
  const status = target.locator('#status');
  await expect
    .poll(async () => {
      const message = (await status.textContent()) ?? '';
      return message !== '' && !message.endsWith('…');
    })
    .toBe(true);
  return {
    message: (await status.textContent()) ?? '',
    error: ((await status.getAttribute('class')) ?? '').includes('error'),
  };
}

/** The timeline rows on screen, as [when, what, by, why, detail] texts. */
async function timelineRows(target: Page): Promise<string[][]> {
  const rows = await target.locator('table:has(caption:text-is("Timeline")) tbody tr').all();
  return await Promise.all(rows.map((row) => row.locator('td').allTextContents()));
}

const reasons = {
  address: 'Customer moved: new flat on 5th Ave',
  cancelLine: 'Customer no longer wants the mug',
  returnCreated: 'Shirt too small, customer wants a refund',
  authorized: 'Within the 30-day window',
  received: 'Parcel arrived, shirt unworn',
  resolved: 'Refund the returned shirt',
  goodwill: 'Sorry for the wait on the refund',
  appeasement: 'Late delivery goodwill',
};

beforeAll(async () => {
  // Picks wait for the warehouse for the whole file: no escalation re-routes stock under the journeys.
  oms = await startTestRuntime({ pickTimeoutSeconds: 1800 });
  oms.agents.addAgent('ann', 'correct horse battery', ['agent']);
  oms.agents.addAgent('sue', 'staple battery horse', ['agent', 'supervisor']);
  orderId = await placeOrder(email);
  annToken = await tokenOf('ann', 'correct horse battery');
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await oms?.stop();
});

describe('Given an agent at the console', () => {
  it('signs in with the keyboard only', async () => {
    await page.goto(`${oms.url}/console/`);
    await page.keyboard.type('ann');
    await page.keyboard.press('Tab');
    await page.keyboard.type('correct horse battery');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#who').textContent()).toBe('ann (agent)');
    expect(await page.locator('#status').textContent()).toBe('Signed in as ann');
  });

  it('refuses a wrong password with the reason', async () => {
    const other = await browser.newPage();
    await other.goto(`${oms.url}/console/`);
    await other.fill('input[name=username]', 'ann');
    await other.fill('input[name=password]', 'wrong');
    await other.keyboard.press('Enter');
    await expect
      .poll(() => other.locator('#status').textContent())
      .toBe('unknown username or wrong password');
    await other.close();
  });

  describe('When the agent searches by the customer email', () => {
    it('finds the order and opens it with its lines and timeline', async () => {
      // `/` jumps to the search box from anywhere outside a field.
      // Run in the page, where `document` exists (this file is compiled without the DOM library).
      await page.evaluate('document.activeElement && document.activeElement.blur()');
      await page.keyboard.press('/');
      expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('search');
      await page.keyboard.type(email);
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('#status').textContent()).toBe('1 order found');
      const link = page.locator('#results a');
      expect(await link.getAttribute('href')).toBe(`#/orders/${orderId}`);
      await link.focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('#status').textContent()).toBe(`Order ${orderId} loaded`);
      const text = (await page.locator('main').textContent()) ?? '';
      expect(text).toContain(email);
      expect(text).toContain('Lines');
      expect(text).toContain('OrderPlaced');
    });
  });

  it('shows live stock of a SKU across locations', async () => {
    await page.goto(`${oms.url}/console/#/inventory/SKU-MUG`);
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^SKU-MUG: \d+ available$/);
    const rows = await page.locator('main tbody tr').count();
    expect(rows).toBeGreaterThanOrEqual(1);
  });
});

describe('Given an order waiting for its pick', () => {
  beforeAll(async () => {
    await orderInStatus(orderId, 'picking');
  }, 40_000);

  describe('When ann changes the shipping address', () => {
    it('shows the new address, and the timeline says ann did it and why', async () => {
      await openOrder(page, orderId);
      const result = await act(page, 'Edit shipping address', reasons.address, async (form) => {
        await typeInto(page, form.locator('input[name=line1]'), '500 5th Ave');
        await typeInto(page, form.locator('input[name=line2]'), 'Apt 12');
        await typeInto(page, form.locator('input[name=postalCode]'), '10036');
      });
      expect(result, result.message).toMatchObject({ error: false });
      expect(result.message).toMatch(/^Shipping address changed/);
      expect(await page.locator('#ship-to').textContent()).toContain(
        '500 5th Ave, Apt 12, New York, NY, 10036',
      );
      const stored = await getOrder(orderId);
      expect(stored.shippingAddress).toMatchObject({
        line1: '500 5th Ave',
        line2: 'Apt 12',
        postalCode: '10036',
      });
      const row = (await timelineRows(page)).find((cells) => cells[3] === reasons.address);
      expect(row?.[2]).toBe('ann');
    });
  });

  describe('When ann cancels the mug line', () => {
    it('releases exactly its unit, lowers the payment and keeps the ledger balanced once shipped', async () => {
      const availableBefore = await availableOf('SKU-MUG');
      const paymentBefore = (await getOrder(orderId)).payment.amount;
      const result = await act(page, 'Cancel lines', reasons.cancelLine, async (form) => {
        await typeInto(page, form.locator('input[name="cancel:SKU-MUG"]'), '1');
      });
      expect(result, result.message).toMatchObject({ error: false });
      expect(result.message).toMatch(/^Cancelled 1 × SKU-MUG/);

      expect(await availableOf('SKU-MUG')).toBe(availableBefore + 1);
      const after = await getOrder(orderId);
      expect(after.payment.amount).toBeLessThanOrEqual(paymentBefore - 1250);
      expect(after.lines.find((line: { sku: string }) => line.sku === 'SKU-MUG')?.quantity ?? 0).toBe(0);
      const authorized = page.locator('#payment dt:text-is("Authorized") + dd');
      expect(await authorized.textContent()).toBe(`${(after.payment.amount / 100).toFixed(2)} USD`);

      const shipped = await shipOrder(orderId);
      expect(shipped.payment.captured).toBe(after.payment.amount);
      await expectBalancedLedger();
    }, 60_000);
  });
});

describe('Given the shipped order', () => {
  describe('When ann takes a return of one shirt through to a refund and restock', () => {
    it('refunds the payment, puts the shirt back on hand and keeps the ledger balanced', async () => {
      await openOrder(page, orderId);
      const shipped = await getOrder(orderId);
      const locationId = shipped.shipments[0].locationId;
      const refundedBefore = shipped.payment.refunded ?? 0;

      const created = await act(page, 'Create return', reasons.returnCreated, async (form) => {
        await typeInto(page, form.locator('input[name="return:SKU-TSHIRT-M"]'), '1');
        await form.locator('select[name=resolution]').selectOption('refund');
      });
      expect(created, created.message).toMatchObject({ error: false });
      const listed = await oms.request(
        'GET',
        `/agent/orders/${orderId}/returns`,
        undefined,
        asAgent(annToken),
      );
      expect(listed.status, listed.text).toBe(200);
      expect(listed.body.returns).toHaveLength(1);
      const rma = listed.body.returns[0];
      expect(rma).toMatchObject({ status: 'requested', resolution: 'refund' });
      expect(created.message).toBe(`Return ${rma.id} requested`);

      const authorized = await act(page, `Authorize return ${rma.id}`, reasons.authorized);
      expect(authorized, authorized.message).toMatchObject({ error: false });
      expect(authorized.message).toBe(`Return ${rma.id} authorized: authorized`);

      const onHandBefore = await onHandAt('SKU-TSHIRT-M', locationId);
      const received = await act(page, `Receive return ${rma.id}`, reasons.received, async (form) => {
        await expect
          .poll(() => form.locator('input[name="location:SKU-TSHIRT-M"]').inputValue())
          .toBe(locationId);
        await form.locator('select[name="condition:SKU-TSHIRT-M"]').selectOption('sellable');
        await form.locator('select[name="disposition:SKU-TSHIRT-M"]').selectOption('restock');
      });
      expect(received, received.message).toMatchObject({ error: false });
      expect(await onHandAt('SKU-TSHIRT-M', locationId)).toBe(onHandBefore + 1);

      const resolved = await act(page, `Resolve return ${rma.id}`, reasons.resolved);
      expect(resolved, resolved.message).toMatchObject({ error: false });
      const settled = await oms.request('GET', `/agent/returns/${rma.id}`, undefined, asAgent(annToken));
      expect(settled.body.return).toMatchObject({ status: 'closed', refund: { amount: expect.any(Number) } });
      const refunded = await getOrder(orderId);
      expect(settled.body.return.refund.amount).toBeGreaterThan(0);
      expect(refunded.payment.refunded).toBe(refundedBefore + settled.body.return.refund.amount);
      const refundedText = `${(refunded.payment.refunded / 100).toFixed(2)} USD`;
      expect(await page.locator('#payment dt:text-is("Refunded") + dd').textContent()).toBe(refundedText);
      await eventually(async () => {
        const { items } = (await oms.request('GET', `/ledger/entries?orderId=${orderId}`)).body;
        return items.length >= 2 ? items : undefined;
      });
      await expectBalancedLedger();
    }, 90_000);
  });

  describe('When the answer to a goodwill refund by ann is lost and she submits again', () => {
    it('retries with the same Idempotency-Key and refunds once', async () => {
      await openOrder(page, orderId);
      const refundedBefore = (await getOrder(orderId)).payment.refunded;
      const keys: string[] = [];
      await page.route('**/agent/orders/*/appeasements', async (route) => {
        keys.push(route.request().headers()['idempotency-key'] ?? '');
        if (keys.length === 1) {
          // The API does it; the answer never reaches the console.
          await route.fetch();
          await route.abort('connectionreset');
        } else {
          await route.continue();
        }
      });
      const lost = await act(page, 'Refund or appeasement', reasons.goodwill, async (form) => {
        await form.locator('select[name=kind]').selectOption('refund');
        await typeInto(page, form.locator('input[name=amount]'), '5.00');
      });
      expect(lost.error).toBe(true);
      expect(lost.message).toMatch(/^No answer from the API .*submit again to retry$/);
      expect((await getOrder(orderId)).payment.refunded).toBe(refundedBefore + 500);

      await page.evaluate(`document.getElementById('status').textContent = ''`);
      await page.locator('details.action[open] button[type=submit]').focus();
      await page.keyboard.press('Enter');
      await expect
        .poll(() => page.locator('#status').textContent())
        .toBe('Refund of 5.00 USD issued (already done by the earlier submission)');
      await page.unroute('**/agent/orders/*/appeasements');

      expect(keys).toHaveLength(2);
      expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(keys[1]).toBe(keys[0]);
      expect((await getOrder(orderId)).payment.refunded).toBe(refundedBefore + 500);
      expect(await page.locator('#payment dt:text-is("Refunded") + dd').textContent()).toBe(
        `${((refundedBefore + 500) / 100).toFixed(2)} USD`,
      );
    }, 60_000);
  });

  describe('When ann grants an appeasement over the agent limit', () => {
    it('shows the 403 naming the supervisor role, and a supervisor can grant it', async () => {
      const timelineBefore = (await getOrder(orderId)).timeline.length;
      const refused = await act(page, 'Refund or appeasement', reasons.appeasement, async (form) => {
        await form.locator('select[name=kind]').selectOption('coupon');
        await typeInto(page, form.locator('input[name=amount]'), '60.00');
      });
      expect(refused.error).toBe(true);
      expect(refused.message).toMatch(/supervisor/);
      expect((await getOrder(orderId)).timeline.length).toBe(timelineBefore);

      const supervisor = await browser.newPage({ viewport: { width: 1366, height: 768 } });
      await signIn(supervisor, 'sue', 'staple battery horse');
      await openOrder(supervisor, orderId);
      const granted = await act(supervisor, 'Refund or appeasement', reasons.appeasement, async (form) => {
        await form.locator('select[name=kind]').selectOption('coupon');
        await typeInto(supervisor, form.locator('input[name=amount]'), '60.00');
      });
      expect(granted, granted.message).toMatchObject({ error: false });
      const code = /^Coupon (\S+) for 60\.00 USD issued$/.exec(granted.message)?.[1];
      expect(code, granted.message).toBeDefined();
      const coupon = await oms.request('GET', `/coupons/${code}`);
      expect(coupon.status, coupon.text).toBe(200);
      await supervisor.close();
    }, 60_000);
  });

  it('shows every agent action in the timeline with who did it and why', async () => {
    await openOrder(page, orderId);
    const rows = await timelineRows(page);
    const byReason = new Map(rows.filter((cells) => cells[3]).map((cells) => [cells[3], cells[2]]));
    expect(Object.fromEntries(byReason)).toMatchObject({
      [reasons.address]: 'ann',
      [reasons.cancelLine]: 'ann',
      [reasons.returnCreated]: 'ann',
      [reasons.authorized]: 'ann',
      [reasons.received]: 'ann',
      [reasons.resolved]: 'ann',
      [reasons.goodwill]: 'ann',
      [reasons.appeasement]: 'sue',
    });
  });
});

describe('Given a second order waiting for its pick', () => {
  describe('When ann cancels the whole order', () => {
    it('releases all its stock and leaves nothing to capture', async () => {
      const secondId = await placeOrder(`linus.${Date.now()}@example.com`);
      await orderInStatus(secondId, 'picking');
      const shirts = await availableOf('SKU-TSHIRT-M');
      const mugs = await availableOf('SKU-MUG');
      await openOrder(page, secondId);
      const result = await act(page, 'Cancel order', 'Customer ordered twice by mistake');
      expect(result, result.message).toMatchObject({ error: false });
      expect(result.message).toMatch(/^Order cancelled/);
      expect(await availableOf('SKU-TSHIRT-M')).toBe(shirts + 2);
      expect(await availableOf('SKU-MUG')).toBe(mugs + 1);
      const cancelled = await orderInStatus(secondId, 'cancelled');
      // The authorization is released at the gateway: nothing taken, nothing held.
      expect(cancelled.payment).toMatchObject({ status: 'voided', captured: 0 });
      expect(await page.locator('#order-heading .badge').textContent()).toBe('cancelled');
      const row = (await timelineRows(page)).find(
        (cells) => cells[3] === 'Customer ordered twice by mistake',
      );
      expect(row?.[2]).toBe('ann');
    }, 60_000);
  });
});

describe('Given an order of shirts only, waiting for its pick', () => {
  describe('When ann switches it to pickup in store', () => {
    it('refuses a location without pickup with the API message, then moves it to the store', async () => {
      const id = await placeOrder(`ken.${Date.now()}@example.com`);
      await orderInStatus(id, 'picking');
      const mugOff = await oms.request(
        'POST',
        `/agent/orders/${id}/cancellation`,
        { reason: 'Mug out of the order', lines: [{ sku: 'SKU-MUG', quantity: 1 }] },
        { ...asAgent(annToken), 'idempotency-key': `console-mug-${id}` },
      );
      expect(mugOff.status, mugOff.text).toBe(201);
      await openOrder(page, id);

      const refused = await act(page, 'Change delivery method', 'Customer will collect', async (form) => {
        await form.locator('select[name=type]').selectOption('pickup');
        await typeInto(page, form.locator('input[name=locationId]'), 'wh-east');
      });
      expect(refused.error).toBe(true);
      expect(refused.message).toMatch(/wh-east offers no pickup/);
      expect((await getOrder(id)).fulfillment).toEqual({ type: 'ship' });

      // The refusal leaves the keyboard on the form's button, not at the top of the page.
      expect(await page.evaluate(`document.activeElement?.getAttribute('type')`)).toBe('submit');
      await typeInto(page, page.locator('details.action[open] input[name=locationId]'), 'store-nyc');
      await page.evaluate(`document.getElementById('status').textContent = ''`);
      await page.locator('details.action[open] button[type=submit]').focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('#status').textContent()).toBe('Delivery method changed');
      expect((await getOrder(id)).fulfillment).toEqual({ type: 'pickup', locationId: 'store-nyc' });
      expect(await page.locator('#ship-to').textContent()).toBe('store-nyc');
      const row = (await timelineRows(page)).find((cells) => cells[3] === 'Customer will collect');
      expect(row?.[2]).toBe('ann');
    }, 60_000);
  });
});

describe('Given a shipped order with its bill of lading issued', () => {
  let shippedId: string;
  let shipped: Reply['body'];
  let reader: Page;

  beforeAll(async () => {
    shippedId = await placeOrder(`ida.${Date.now()}@example.com`);
    await orderInStatus(shippedId, 'picking');
    shipped = await shipOrder(shippedId);
    reader = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await signIn(reader, 'ann', 'correct horse battery');
  }, 60_000);

  afterAll(async () => {
    await reader?.close();
  });

  it('shows the paperwork and the capture of the payment', async () => {
    const issued = await oms.request('POST', `/orders/${shippedId}/documents`, { type: 'bill-of-lading' });
    expect(issued.status, issued.text).toBe(201);
    const listed = await oms.request(
      'GET',
      `/agent/orders/${shippedId}/documents`,
      undefined,
      asAgent(annToken),
    );
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.documents).toContainEqual(
      expect.objectContaining({
        id: issued.body.id,
        type: 'bill-of-lading',
        shipmentId: shipped.shipments[0].id,
      }),
    );

    await openOrder(reader, shippedId);
    const documents = reader.locator('table:has(caption:text-is("Documents")) tbody tr');
    await expect.poll(() => documents.count()).toBe(listed.body.documents.length);
    expect(await documents.filter({ hasText: issued.body.id }).count()).toBe(1);
    const capture = reader.locator('table:has(caption:text-is("Captures")) tbody tr');
    expect(await capture.locator('td').allTextContents()).toContain(
      `${(shipped.payment.captured / 100).toFixed(2)} USD`,
    );
  });

  describe('When ann refuses a requested return', () => {
    it('marks it refused, refunds nothing, and says who refused it and why', async () => {
      await openOrder(reader, shippedId);
      const created = await act(reader, 'Create return', 'Customer says the mug is chipped', async (form) => {
        await typeInto(reader, form.locator('input[name="return:SKU-MUG"]'), '1');
      });
      expect(created, created.message).toMatchObject({ error: false });
      const rmaId = /^Return (\S+) requested$/.exec(created.message)?.[1] as string;
      const refused = await act(reader, `Refuse return ${rmaId}`, 'Photos show it was dropped at home');
      expect(refused).toEqual({ message: `Return ${rmaId} refused: refused`, error: false });

      const rma = await oms.request('GET', `/agent/returns/${rmaId}`, undefined, asAgent(annToken));
      expect(rma.body.return).toMatchObject({ status: 'refused', refund: null });
      expect((await getOrder(shippedId)).payment.refunded ?? 0).toBe(shipped.payment.refunded ?? 0);
      const row = (await timelineRows(reader)).find(
        (cells) => cells[3] === 'Photos show it was dropped at home',
      );
      expect(row?.[2]).toBe('ann');
      // Nothing is left to do with a refused return: no step is offered.
      expect(await reader.locator('details.action summary', { hasText: rmaId }).count()).toBe(0);
    });
  });

  describe('When ann tries to cancel a line that has shipped', () => {
    it('shows the 409 as the API phrased it and changes nothing', async () => {
      await openOrder(reader, shippedId);
      const before = await getOrder(shippedId);
      const refused = await act(reader, 'Cancel lines', 'Customer wants the mug off', async (form) => {
        await typeInto(reader, form.locator('input[name="cancel:SKU-MUG"]'), '1');
      });
      const direct = await oms.request(
        'POST',
        `/agent/orders/${shippedId}/cancellation`,
        { reason: 'Customer wants the mug off', lines: [{ sku: 'SKU-MUG', quantity: 1 }] },
        { ...asAgent(annToken), 'idempotency-key': `console-409-${Date.now()}` },
      );
      expect(direct.status).toBe(409);
      expect(refused).toEqual({ message: direct.body.error.message, error: true });
      const after = await getOrder(shippedId);
      expect(after.lines).toEqual(before.lines);
      expect(after.payment).toEqual(before.payment);
    });
  });
});
