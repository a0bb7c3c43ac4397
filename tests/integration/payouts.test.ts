import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as createAchFileHandler } from '../../functions/payouts/create-ach-file/handler.js';
import { handler as createPayoutHandler } from '../../functions/payouts/create-payout/handler.js';
import { handler as listPayoutsHandler } from '../../functions/payouts/list-payouts/handler.js';
import { createAchFile, createPayout } from '../../shared/app/payouts.js';
import type { ApiEvent } from '../../shared/http/api.js';
import { provideDeps } from '../../shared/runtime/deps.js';
import { journalPages } from '../../shared/store/ledger-exports.js';
import { getPayout } from '../../shared/store/payouts.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { checkNacha } from '../support/nacha-check.js';

let deps: TestDeps;
const context = { getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
const event = (method: string, path: string, extra: Partial<ApiEvent> = {}): ApiEvent =>
  ({
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...extra.headers },
    isBase64Encoded: false,
    requestContext: { http: { method, path } },
    ...extra,
  }) as unknown as ApiEvent;
const post = (path: string, body: unknown) => event('POST', path, { body: JSON.stringify(body) });
const parsed = (result: { body?: string }) => JSON.parse(result.body ?? '{}');

/** The next weekday after today (UTC): a valid effective entry date. */
function nextWeekday(): string {
  let at = Date.now() + 86_400_000;
  while ([0, 6].includes(new Date(at).getUTCDay())) at += 86_400_000;
  return new Date(at).toISOString().slice(0, 10);
}

const supplier = (id: string, amount: number) => ({
  id,
  payee: {
    name: 'Acme Supply Co',
    routingNumber: '011000015',
    accountNumber: '12345678',
    accountType: 'checking',
  },
  amount,
  currency: 'USD',
  purpose: 'supplier',
  reference: `INV-${id}`,
});

beforeAll(async () => {
  deps = await createTestDeps();
  provideDeps(deps);
});

describe('Given a payout whose routing number fails the ABA check digit', () => {
  describe('When it is posted', () => {
    it('answers 400 naming payee.routingNumber and stores nothing', async () => {
      const result = await createPayoutHandler(
        post('/payouts', {
          ...supplier('bad-routing', 1000),
          payee: { ...supplier('x', 1).payee, routingNumber: '011000016' },
        }),
        context,
      );
      expect(result.statusCode).toBe(400);
      expect(parsed(result).error.fields).toEqual([
        { field: 'payee.routingNumber', message: 'fails the ABA check digit' },
      ]);
      expect(await getPayout(deps, 'bad-routing')).toBeUndefined();
    });
  });
});

describe('Given supplier and seller payouts', () => {
  const effectiveDate = nextWeekday();
  let fileBody: {
    file: {
      id: string;
      key: string;
      payoutIds: string[];
      totalCredit: number;
      entryHash: string;
      batches: unknown[];
    };
  };

  beforeAll(async () => {
    for (const body of [
      supplier('sup-1', 123_456),
      supplier('sup-2', 1_000),
      {
        id: 'sel-1',
        payee: {
          name: 'Zoë Seller',
          routingNumber: '121000358',
          accountNumber: '55501',
          accountType: 'savings',
        },
        amount: 98_765,
        currency: 'USD',
        purpose: 'seller',
      },
      // Asks to be paid no earlier than 2099: no file before then takes it.
      { ...supplier('later', 2_500), effectiveDate: '2099-01-05' },
    ]) {
      const created = await createPayoutHandler(post('/payouts', body), context);
      expect(created.statusCode, created.body).toBe(201);
    }
  });

  it('answers the same payout again as a duplicate, and another body under its id as 409', async () => {
    const again = await createPayoutHandler(post('/payouts', supplier('sup-1', 123_456)), context);
    expect(again.statusCode).toBe(200);
    expect(parsed(again).duplicate).toBe(true);
    const other = await createPayoutHandler(post('/payouts', supplier('sup-1', 5)), context);
    expect(other.statusCode).toBe(409);
    const pending = await listPayoutsHandler(
      event('GET', '/payouts', { queryStringParameters: { status: 'pending' } }),
      context,
    );
    expect(
      parsed(pending)
        .items.map((payout: { id: string }) => payout.id)
        .sort(),
    ).toEqual(['later', 'sel-1', 'sup-1', 'sup-2']);
  });

  describe('When the ACH file is made', () => {
    beforeAll(async () => {
      const result = await createAchFileHandler(
        post('/payouts/ach-files', { id: 'ach-1', effectiveDate }),
        context,
      );
      expect(result.statusCode, result.body).toBe(201);
      fileBody = parsed(result);
    });

    it('writes one NACHA file of every pending payout that passes the independent checks', async () => {
      const text = new TextDecoder().decode(await deps.objects.get(fileBody.file.key));
      const checked = checkNacha(text);
      expect(checked.problems).toEqual([]);
      expect(checked.batches.map((batch) => [batch.sec, batch.entries.length])).toEqual([
        ['CCD', 2],
        ['PPD', 1],
      ]);
      expect(checked.control.totalCredit).toBe(123_456 + 1_000 + 98_765);
      expect(checked.control.entryHash).toBe(fileBody.file.entryHash);
      expect(checked.batches[0]?.entries.map((entry) => entry.addenda)).toEqual([
        ['INV-SUP-1'],
        ['INV-SUP-2'],
      ]);
      expect(checked.batches[1]?.entries[0]).toMatchObject({ transactionCode: '32', name: 'ZOE SELLER' });
      expect(fileBody.file.payoutIds).toEqual(['sup-1', 'sup-2', 'sel-1']);
    });

    it('marks each payout included with its trace number, and leaves the one not yet due pending', async () => {
      for (const id of ['sup-1', 'sup-2', 'sel-1']) {
        expect(await getPayout(deps, id)).toMatchObject({ status: 'included', achFileId: 'ach-1' });
      }
      expect(await getPayout(deps, 'later')).toMatchObject({ status: 'pending' });
      expect((await getPayout(deps, 'later'))?.achFileId).toBeUndefined();
      expect((await getPayout(deps, 'sel-1'))?.traceNumber).toBe('021000020000003');
    });

    it('posts each payout to the ledger: payable debited, bank credited, under a fixed entry id', async () => {
      const day = new Date().toISOString().slice(0, 10);
      const entries = [];
      for await (const page of journalPages(deps, [day], 100)) entries.push(...page);
      const payouts = entries.filter((entry) => entry.links.payoutId);
      expect(payouts.map((entry) => entry.id).sort()).toEqual([
        'je_payout_sel-1',
        'je_payout_sup-1',
        'je_payout_sup-2',
      ]);
      expect(payouts.find((entry) => entry.id === 'je_payout_sel-1')?.lines).toEqual([
        { account: '2150-seller-payable', debit: 98_765, credit: 0 },
        { account: '1000-cash-bank', debit: 0, credit: 98_765 },
      ]);
      expect(payouts.find((entry) => entry.id === 'je_payout_sup-1')?.lines[0]?.account).toBe(
        '2110-accounts-payable-suppliers',
      );
    });

    it('puts no payout in a second file, and answers the same file id again with the same bytes', async () => {
      const before = await deps.objects.get(fileBody.file.key);
      const second = await createAchFileHandler(
        post('/payouts/ach-files', { id: 'ach-2', effectiveDate }),
        context,
      );
      expect(second.statusCode).toBe(422);
      const again = await createAchFileHandler(
        post('/payouts/ach-files', { id: 'ach-1', effectiveDate }),
        context,
      );
      expect(again.statusCode).toBe(200);
      expect(parsed(again).duplicate).toBe(true);
      expect(
        Buffer.from((await deps.objects.get(fileBody.file.key)) ?? []).equals(Buffer.from(before ?? [])),
      ).toBe(true);
      const day = new Date().toISOString().slice(0, 10);
      let payoutEntries = 0;
      for await (const page of journalPages(deps, [day], 100)) {
        payoutEntries += page.filter((entry) => entry.links.payoutId).length;
      }
      expect(payoutEntries).toBe(3);
    });
  });

  describe('When two files are made at once from the same pending payouts', () => {
    it('puts every payout in exactly one of them', async () => {
      for (const id of ['race-1', 'race-2', 'race-3']) await createPayout(deps, supplier(id, 700));
      const outcomes = await Promise.allSettled([
        createAchFile(deps, { id: 'race-a', effectiveDate }),
        createAchFile(deps, { id: 'race-b', effectiveDate }),
      ]);
      const made = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      expect(made).toHaveLength(1);
      const refused = outcomes.find((outcome) => outcome.status === 'rejected');
      // 409 when both read the payouts before either committed, 422 when the winner committed first.
      expect([409, 422]).toContain((refused as PromiseRejectedResult | undefined)?.reason?.statusCode);
      const fileIds = new Set<string>();
      for (const id of ['race-1', 'race-2', 'race-3'])
        fileIds.add((await getPayout(deps, id))?.achFileId ?? '');
      expect(fileIds.size).toBe(1);
    });
  });
});
