import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  approveFreightInvoice,
  disputeFreightInvoice,
  freightAuditReport,
  freightInvoiceId,
  getFreightInvoice,
  importFreightInvoices,
} from '../../shared/app/freight-audit.js';
import { ConflictError, UnprocessableError, ValidationError } from '../../shared/domain/errors.js';
import type { FreightInvoiceApprovedData } from '../../shared/events/catalogue/freight-invoice-approved.js';
import type { Deps } from '../../shared/runtime/deps.js';
import { gsi1, keys } from '../../shared/store/keys.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { uniqueNumber } from '../support/fixtures.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';

const HEADER =
  'invoice_number,carrier,invoice_date,tracking_number,bol_number,ship_date,billed_amount,currency,accessorials,weight';

/** A shipment as select-carrier records it: under its order, indexed by tracking number. */
async function seedShipment(deps: Deps, options: { cost: number; accessorials?: string[] }) {
  const hash = uniqueNumber().toString(16);
  const orderId = `ord_${hash}`;
  const shipmentId = `sh_${hash}_1`;
  const trackingNumber = `1ZFA${hash.toUpperCase()}`;
  await deps.db.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...keys.shipment(orderId, shipmentId),
        gsi1pk: gsi1.shipmentTracking(trackingNumber),
        gsi1sk: shipmentId,
        entity: 'Shipment',
        entityVersion: 1,
        id: shipmentId,
        locationId: 'wh-1',
        carrier: 'SIMPARCEL',
        service: 'Standard',
        trackingNumber,
        cost: options.cost,
        currency: 'USD',
        estimatedDelivery: '2026-11-24',
        options: [],
        createdAt: '2026-11-18T12:00:00.000Z',
        ...(options.accessorials ? { accessorials: options.accessorials } : {}),
      },
    }),
  );
  return { orderId, shipmentId, trackingNumber };
}

const approvals = async (deps: TestDeps, invoiceId: string) =>
  (await deps.outbox())
    .filter((event) => event.detailType === 'FreightInvoiceApproved')
    .map((event) => event.detail.data as FreightInvoiceApprovedData)
    .filter((data) => data.invoiceId === invoiceId);

describe('Given shipments and a carrier invoice that bills them', () => {
  let deps: TestDeps;
  let a: Awaited<ReturnType<typeof seedShipment>>;
  let b: Awaited<ReturnType<typeof seedShipment>>;
  let c: Awaited<ReturnType<typeof seedShipment>>;
  let d: Awaited<ReturnType<typeof seedShipment>>;
  let csv: string;
  const number = `INV-${uniqueNumber()}`;

  beforeAll(async () => {
    deps = await createTestDeps();
    a = await seedShipment(deps, { cost: 10_000 });
    b = await seedShipment(deps, { cost: 10_000 });
    c = await seedShipment(deps, { cost: 5_000 });
    d = await seedShipment(deps, { cost: 5_000, accessorials: ['LIFTGATE'] });
    csv = [
      HEADER,
      // 1: $1.99 over a $100 rate: within max($2, 2%).
      `${number},SimParcel,2026-11-20,${a.trackingNumber},,2026-11-18,101.99,USD,FSC:8.00,10`,
      // 2: $2.01 over: flagged overbilled.
      `${number},SimParcel,2026-11-20,${b.trackingNumber},,2026-11-18,102.01,USD,,10`,
      // 3: liftgate and inside delivery, neither requested.
      `${number},SimParcel,2026-11-20,${c.trackingNumber},,2026-11-18,50.00,USD,"LGD:0.00;INSIDE:0.00",4`,
      // 4: the tracking number of line 1 again.
      `${number},SimParcel,2026-11-20,${a.trackingNumber.toLowerCase()},,2026-11-18,101.99,USD,,10`,
      // 5: a liftgate that was requested, matched by BOL number (the shipment id).
      `${number},SimParcel,2026-11-20,,${d.shipmentId},2026-11-18,50.00,USD,"LIFTGATE:0.00",4`,
      // 6: nothing of ours.
      `${number},SimParcel,2026-11-20,1ZNOTOURS,,2026-11-18,12.00,USD,,1`,
    ].join('\r\n');
  });

  describe('When it is imported', () => {
    it('matches, audits and flags each line as the rules say', async () => {
      const [result] = await importFreightInvoices(deps, csv);
      expect(result?.created).toBe(true);
      const flags = Object.fromEntries(
        result?.lines.map((line) => [line.line, line.flags.map((flag) => flag.kind)]) ?? [],
      );
      expect(flags).toEqual({
        1: [],
        2: ['overbilled'],
        3: ['unrequested-accessorial', 'unrequested-accessorial'],
        4: ['duplicate-pro'],
        5: [],
        6: ['unmatched'],
      });
      expect(result?.lines[0]).toMatchObject({
        shipmentId: a.shipmentId,
        orderId: a.orderId,
        rated: 10_000,
        difference: 199,
        status: 'pending',
      });
      expect(result?.lines[4]).toMatchObject({ shipmentId: d.shipmentId, orderId: d.orderId });
      expect(result?.invoice).toMatchObject({
        id: freightInvoiceId('SIMPARCEL', number),
        status: 'pending',
        lineCount: 6,
        billedTotal: 10_199 + 10_201 + 5_000 + 10_199 + 5_000 + 1_200,
        ratedTotal: 10_000 + 10_000 + 5_000 + 10_000 + 5_000,
        difference: 199 + 201 + 0 + 199 + 0,
        flags: { overbilled: 1, 'unrequested-accessorial': 2, 'duplicate-pro': 1, unmatched: 1 },
        flaggedLines: 4,
        duplicateLines: 1,
        unmatchedLines: 1,
        pendingLines: 6,
      });
    });
  });

  describe('When the same file is imported again', () => {
    it('returns the stored invoice and writes nothing new', async () => {
      const [again] = await importFreightInvoices(deps, csv);
      expect(again?.created).toBe(false);
      expect(again?.invoice.version).toBe(1);
      expect(again?.lines.map((line) => line.flags.map((flag) => flag.kind))[0]).toEqual([]);
    });
  });

  describe('When a file reuses the invoice number with other lines', () => {
    it('is refused as a conflict', async () => {
      await expect(importFreightInvoices(deps, csv.replace('101.99', '111.99'))).rejects.toThrow(
        ConflictError,
      );
    });
  });

  describe('When an interrupted import of another file left a line under the same invoice', () => {
    it('reads only the committed file’s lines', async () => {
      const [stored] = await importFreightInvoices(deps, csv);
      const invoiceId = stored?.invoice.id ?? '';
      const count = stored?.lines.length ?? 0;
      await deps.db.send(
        new PutCommand({
          TableName: deps.tableName,
          Item: {
            ...keys.freightInvoiceLine(invoiceId, count + 1),
            entity: 'FreightInvoiceLine',
            entityVersion: 1,
            invoiceId,
            line: count + 1,
            row: count + 2,
            trackingNumber: 'STRAY',
            billed: 99_999,
            accessorials: [],
            contentHash: 'another-file',
          },
        }),
      );
      const read = await getFreightInvoice(deps, invoiceId);
      expect(read.lines).toHaveLength(count);
      expect(read.lines.some((line) => line.billed === 99_999)).toBe(false);
    });
  });

  describe('When another invoice bills a shipment already billed, or the same BOL, amount and date', () => {
    it('flags the duplicate of an earlier invoice under each rule', async () => {
      const bolNumber = `BOL-${uniqueNumber()}`;
      const later = `INV-${uniqueNumber()}`;
      const first = `INV-${uniqueNumber()}`;
      await importFreightInvoices(
        deps,
        [HEADER, `${first},SIMPARCEL,2026-11-21,,${bolNumber},2026-11-19,75.00,USD,,`].join('\n'),
      );
      const [result] = await importFreightInvoices(
        deps,
        [
          HEADER,
          `${later},SIMPARCEL,2026-11-27,${b.trackingNumber},,2026-11-18,102.01,USD,,`,
          `${later},SIMPARCEL,2026-11-27,,${bolNumber},2026-11-19,75.00,USD,,`,
          `${later},SIMPARCEL,2026-11-27,,${bolNumber},2026-11-20,75.00,USD,,`,
        ].join('\n'),
      );
      const lines = result?.lines ?? [];
      expect(lines[0]?.flags.map((flag) => flag.kind)).toEqual(['duplicate-pro', 'overbilled']);
      expect(lines[0]?.flags[0]?.message).toContain(`invoice ${number} line 2`);
      expect(lines[1]?.flags.map((flag) => flag.kind)).toEqual(['duplicate-bol', 'unmatched']);
      expect(lines[1]?.flags[0]?.message).toContain(`invoice ${first} line 1`);
      // Another ship date is another shipment under the same BOL: not a duplicate.
      expect(lines[2]?.flags.map((flag) => flag.kind)).toEqual(['unmatched']);
    });
  });

  describe('When the pending lines are approved without an override reason', () => {
    it('refuses (422) and names the flagged lines', async () => {
      const id = freightInvoiceId('SIMPARCEL', number);
      const attempt = approveFreightInvoice(deps, id, {});
      await expect(attempt).rejects.toThrow(UnprocessableError);
      await expect(attempt).rejects.toThrow(/2, 3, 4, 6/);
    });
  });

  describe('When lines are approved, then disputed, then approved with an override', () => {
    it('moves each line once, announces each approval once and keeps the invoice figures', async () => {
      const id = freightInvoiceId('SIMPARCEL', number);
      const clean = await approveFreightInvoice(deps, id, { lines: [1, 5] });
      expect(clean.invoice).toMatchObject({
        status: 'pending',
        approvedLines: 2,
        approvedAmount: 15_199,
        pendingLines: 4,
      });
      const repeat = await approveFreightInvoice(deps, id, { lines: [1, 5] });
      expect(repeat.invoice.version).toBe(clean.invoice.version);

      const disputed = await disputeFreightInvoice(deps, id, {
        lines: [4, 6],
        reason: 'duplicate and not ours',
      });
      expect(disputed.invoice).toMatchObject({ disputedLines: 2, disputedAmount: 11_399, pendingLines: 2 });
      expect(disputed.lines.find((line) => line.line === 4)).toMatchObject({
        status: 'disputed',
        disputeReason: 'duplicate and not ours',
      });
      await expect(disputeFreightInvoice(deps, id, { lines: [1], reason: 'late' })).rejects.toThrow(
        ConflictError,
      );

      const overridden = await approveFreightInvoice(deps, id, {
        overrideReason: 'carrier confirmed re-weigh and liftgate',
      });
      expect(overridden.invoice).toMatchObject({
        status: 'disputed',
        pendingLines: 0,
        approvedLines: 4,
        approvedAmount: 15_199 + 10_201 + 5_000,
      });
      expect(overridden.lines.find((line) => line.line === 2)).toMatchObject({
        status: 'approved',
        overrideReason: 'carrier confirmed re-weigh and liftgate',
      });

      const events = await approvals(deps, id);
      expect(events).toEqual([
        {
          invoiceId: id,
          invoiceNumber: number,
          carrier: 'SIMPARCEL',
          currency: 'USD',
          amount: 15_199,
          lines: [
            { line: 1, shipmentId: a.shipmentId, orderId: a.orderId, amount: 10_199 },
            { line: 5, shipmentId: d.shipmentId, orderId: d.orderId, amount: 5_000 },
          ],
        },
        expect.objectContaining({
          amount: 15_201,
          lines: [expect.objectContaining({ line: 2 }), expect.objectContaining({ line: 3 })],
        }),
      ]);
      expect(
        (await getFreightInvoice(deps, id)).invoice.decisions.map((decision) => decision.action),
      ).toEqual(['approve', 'dispute', 'approve']);
    });
  });

  describe('When the audit report is asked for the carrier and period', () => {
    it('sums invoices, lines, billed and rated totals, flags by kind and decided amounts', async () => {
      const report = await freightAuditReport(deps, {
        carrier: 'simparcel',
        from: '2026-11-20',
        to: '2026-11-20',
      });
      expect(report.carriers).toHaveLength(1);
      expect(report.carriers[0]).toMatchObject({
        carrier: 'SIMPARCEL',
        currency: 'USD',
        invoices: 1,
        lines: 6,
        billedTotal: 41_799,
        ratedTotal: 40_000,
        difference: 599,
        duplicateLines: 1,
        approvedAmount: 30_400,
        disputedAmount: 11_399,
        pendingAmount: 0,
      });
      expect(report.carriers[0]?.flags).toMatchObject({
        overbilled: 1,
        'duplicate-pro': 1,
        'unrequested-accessorial': 2,
        unmatched: 1,
        'duplicate-bol': 0,
      });
      const wider = await freightAuditReport(deps, { from: '2026-11-01', to: '2026-11-30' });
      expect(wider.carriers[0]?.invoices).toBe(3);
    });
  });

  describe('When a file has a bad row', () => {
    it('imports nothing and names the row and column', async () => {
      const bad = [HEADER, `INV-BAD-${uniqueNumber()},SIMPARCEL,2026-11-20,1Z1,,,abc,USD,,`].join('\n');
      await expect(importFreightInvoices(deps, bad)).rejects.toSatisfy(
        (error) =>
          error instanceof ValidationError &&
          error.fields.some((field) => field.field === 'row 2.billed_amount'),
      );
    });
  });
});

describe('Given the local runtime over HTTP', () => {
  let runtime: TestRuntime;

  beforeAll(async () => {
    runtime = await startTestRuntime();
  });
  afterAll(async () => {
    await runtime.stop();
  });

  it('imports a text/csv invoice, serves it and reports on it', async () => {
    const shipment = await seedShipment(runtime.deps, { cost: 2_000 });
    const number = `INV-${uniqueNumber()}`;
    const body = [
      HEADER,
      `${number},SIMPARCEL,2026-11-22,${shipment.trackingNumber},,,"20.00",USD,"RES:4.00",2`,
    ].join('\r\n');
    const imported = await runtime.request('POST', '/freight-invoices', body, { 'content-type': 'text/csv' });
    expect(imported.status).toBe(201);
    const invoice = imported.body.invoices[0];
    expect(invoice.lines[0].flags.map((flag: { kind: string }) => flag.kind)).toEqual([
      'unrequested-accessorial',
    ]);
    expect(
      (await runtime.request('POST', '/freight-invoices', body, { 'content-type': 'text/csv' })).status,
    ).toBe(200);
    expect((await runtime.request('POST', '/freight-invoices', body)).status).toBe(400);

    const fetched = await runtime.request('GET', `/freight-invoices/${invoice.id}`);
    expect(fetched.body).toMatchObject({ invoiceNumber: number, lineCount: 1, status: 'pending' });
    const refused = await runtime.request('POST', `/freight-invoices/${invoice.id}/approve`, {});
    expect(refused.status).toBe(422);
    const approved = await runtime.request('POST', `/freight-invoices/${invoice.id}/approve`, {
      overrideReason: 'residential per POD',
    });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('approved');

    const report = await runtime.request(
      'GET',
      '/freight-audit/report?carrier=SIMPARCEL&from=2026-11-22&to=2026-11-22',
    );
    expect(report.status).toBe(200);
    expect(report.body.carriers[0]).toMatchObject({ invoices: 1, billedTotal: 2_000, approvedAmount: 2_000 });
    expect((await runtime.request('GET', '/freight-audit/report?from=2026-12-01&to=2026-11-01')).status).toBe(
      400,
    );
  });
});
