import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';

let oms: TestRuntime;
beforeAll(async () => {
  oms = await startTestRuntime();
}, 60_000);
afterAll(async () => {
  await oms?.stop();
});

const header = 'invoice_number,carrier,invoice_date,tracking_number,ship_date,billed_amount,currency,accessorials,weight';
const row = (over: Record<string, string>) => {
  const base: Record<string, string> = {
    invoice_number: `P-${Math.random().toString(36).slice(2)}`,
    carrier: 'SIMPARCEL',
    invoice_date: '2026-11-20',
    tracking_number: `T${Math.random().toString(36).slice(2)}`,
    ship_date: '2026-11-18',
    billed_amount: '10.00',
    currency: 'USD',
    accessorials: '',
    weight: '1',
  };
  const r = { ...base, ...over };
  return header.split(',').map((c) => r[c]).join(',');
};

it('probes', async () => {
  const probes: Record<string, string>[] = [
    { tracking_number: 'T'.repeat(3000) },
    { invoice_number: 'I'.repeat(3000) },
    { carrier: 'C'.repeat(3000) },
    { billed_amount: '9'.repeat(30) },
    { billed_amount: '99999999999999999999.99' },
    { weight: '1e400' },
    { weight: '-5' },
    { accessorials: 'LGD:1e400' },
    { accessorials: `X:${'9'.repeat(30)}` },
    { accessorials: 'LGD:5.00;LGD:5.00' },
    { billed_amount: '-10.00' },
    { currency: 'JPY', billed_amount: '10.5' },
    { ship_date: '2026-02-30' },
    { invoice_date: '2026-02-30' },
    { carrier: 'ŠIM' },
    { tracking_number: '#' },
    { tracking_number: 'a'.repeat(1000) },
  ];
  const out: string[] = [];
  for (const p of probes) {
    const r = await oms.request('POST', '/freight-invoices', `${header}\n${row(p)}\n`, { 'content-type': 'text/csv' });
    out.push(`${JSON.stringify(p).slice(0, 60)} -> ${r.status} ${r.text.slice(0, 150)}`);
  }
  const big = Array.from({ length: 2000 }, () => row({ invoice_number: 'BIG-1' })).join('\n');
  const r = await oms.request('POST', '/freight-invoices', `${header}\n${big}\n`, { 'content-type': 'text/csv' });
  out.push(`2000 rows -> ${r.status} ${r.text.slice(0, 150)}`);
  const q = await oms.request('GET', `/agent/orders?q=${'x'.repeat(254)}`);
  out.push(`q -> ${q.status}`);
  console.log(out.join('\n'));
  expect(true).toBe(true);
}, 120_000);
