import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standardWebhookHeaders } from '../../shared/intake/signatures.js';
import { launchChromium } from '../support/browser.js';
import { standardOrder, TEST_SECRETS } from '../support/fixtures.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';

let oms: TestRuntime;
let browser: Browser;
let page: Page;
const email = `grace.${Date.now()}@example.com`;
let orderId: string;

beforeAll(async () => {
  oms = await startTestRuntime();
  oms.agents.addAgent('ann', 'correct horse battery', ['agent']);
  const order = standardOrder();
  order.data.customer.email = email;
  const body = JSON.stringify(order);
  const placed = await oms.request(
    'POST',
    '/webhooks/standard',
    body,
    standardWebhookHeaders({
      id: `msg_console_${Date.now()}`,
      timestamp: Math.floor(Date.now() / 1000),
      body,
      secret: TEST_SECRETS.standard,
    }),
  );
  expect(placed.status, placed.text).toBe(201);
  orderId = placed.body.orderId;
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
