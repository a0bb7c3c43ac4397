import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type AchSettings, achSettings } from '../config/ach.js';
import { ConflictError, UnprocessableError, ValidationError } from '../domain/errors.js';
import { assertRoutingNumber, buildAchFile, FILE_ID_MODIFIERS } from '../domain/nacha.js';
import {
  achBatches,
  assertEffectiveDate,
  defaultPayeeType,
  type Payout,
  type PayoutStatus,
  payoutEntry,
} from '../domain/payouts.js';
import { parseWith } from '../domain/validation.js';
import type { Deps } from '../runtime/deps.js';
import { postJournalEntry } from '../store/ledger.js';
import {
  type AchFileRecord,
  achFilesOnDay,
  commitAchFile,
  getAchFile,
  getPayout,
  payoutsInStatus,
  pendingPayoutsDue,
  putPayout,
} from '../store/payouts.js';

/** Payouts by ACH (docs/ach.md): `POST /payouts`, `GET /payouts`, `POST /payouts/ach-files`. */

const IdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash and underscore, 1–64');

export const PayoutBodySchema = z.strictObject({
  id: IdSchema.optional(),
  payee: z.strictObject({
    name: z.string().trim().min(1).max(100),
    type: z.enum(['business', 'individual']).optional(),
    routingNumber: z.string().regex(/^\d{9}$/, 'must be 9 digits'),
    accountNumber: z.string().regex(/^[0-9A-Za-z-]{1,17}$/, '1–17 letters, digits or dashes'),
    accountType: z.enum(['checking', 'savings']),
  }),
  amount: z.number().int().min(1).max(9_999_999_999),
  currency: z.literal('USD', 'ACH pays USD only'),
  purpose: z.enum(['supplier', 'seller']),
  reference: z.string().trim().min(1).max(80).optional(),
  effectiveDate: z.iso.date().optional(),
});
export type PayoutBody = z.infer<typeof PayoutBodySchema>;

/**
 * Validates and stores a payout, pending until a NACHA file takes it. The routing number is checked (9
 * digits, ABA 3-7-1 check digit) before anything is stored: a bad one is a 400 on `payee.routingNumber`.
 * The same id with the same body is a duplicate (200); with another body, 409.
 */
export async function createPayout(
  deps: Deps,
  input: unknown,
): Promise<{ payout: Payout; duplicate: boolean }> {
  const body = parseWith(PayoutBodySchema, input);
  assertRoutingNumber(body.payee.routingNumber, 'payee.routingNumber');
  const payout: Payout = {
    id: body.id ?? deps.ids.next('pay'),
    payee: { ...body.payee, type: body.payee.type ?? defaultPayeeType(body.purpose) },
    amount: body.amount,
    currency: body.currency,
    purpose: body.purpose,
    ...(body.reference ? { reference: body.reference } : {}),
    ...(body.effectiveDate ? { effectiveDate: body.effectiveDate } : {}),
    status: 'pending',
    createdAt: deps.clock.now().toISOString(),
  };
  const { id: _id, ...request } = { ...body, payee: payout.payee };
  const requestHash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
  const result = await putPayout(deps, { ...payout, requestHash });
  if (result.created) return { payout, duplicate: false };
  const { requestHash: storedHash, ...existing } = result.existing;
  if (storedHash !== requestHash) {
    throw new ConflictError(`payout ${payout.id} exists with another body`, { field: 'id' });
  }
  return { payout: existing, duplicate: true };
}

export const listPayouts = (deps: Deps, status: PayoutStatus, limit: number) =>
  payoutsInStatus(deps, status, limit);

export const AchFileBodySchema = z.strictObject({
  id: IdSchema.optional(),
  effectiveDate: z.iso.date(),
  companyId: z.string().min(1).max(64).optional(),
  referenceCode: z.string().max(8).optional(),
});

export interface AchFileResult {
  file: Omit<AchFileRecord, 'text'>;
  uri: string;
  duplicate: boolean;
}

const publicFile = ({ text: _text, ...file }: AchFileRecord) => file;

/**
 * Builds one NACHA file of the pending payouts due by `effectiveDate` (at most `maxPayoutsPerFile`, oldest
 * first), commits it with the payouts in one transaction, writes it to the bucket and posts each payout to
 * the ledger. Every step after the transaction is idempotent: calling again with the same `id` finishes a
 * run that stopped half way (same bytes, same entries) and answers `duplicate`.
 */
export async function createAchFile(
  deps: Deps,
  input: unknown,
  settings: AchSettings = achSettings(),
): Promise<AchFileResult> {
  const body = parseWith(AchFileBodySchema, input);
  const now = deps.clock.now();
  const company = body.companyId
    ? settings.companies.find((candidate) => candidate.id === body.companyId)
    : settings.companies[0];
  if (!company) {
    throw new ValidationError('companyId: not a configured originator company', [
      { field: 'companyId', message: 'not a configured originator company' },
    ]);
  }
  if (body.id) {
    const existing = await getAchFile(deps, body.id);
    if (existing) {
      if (existing.effectiveDate !== body.effectiveDate || existing.companyId !== company.id) {
        throw new ConflictError(`ACH file ${body.id} exists for another date or company`, { field: 'id' });
      }
      return { file: publicFile(existing), uri: await finish(deps, existing, settings), duplicate: true };
    }
  }
  assertEffectiveDate(body.effectiveDate, now.toISOString().slice(0, 10));
  const due = await pendingPayoutsDue(deps, body.effectiveDate, settings.maxPayoutsPerFile);
  if (due.length === 0) {
    throw new UnprocessableError(`no pending payouts are due by ${body.effectiveDate}`, {
      field: 'effectiveDate',
    });
  }
  const createdAt = now.toISOString();
  const filesBefore = await achFilesOnDay(deps, createdAt.slice(0, 10));
  const fileIdModifier = FILE_ID_MODIFIERS[filesBefore];
  if (!fileIdModifier) {
    throw new UnprocessableError(`${FILE_ID_MODIFIERS.length} ACH files were already created today`);
  }
  const id = body.id ?? deps.ids.next('ach');
  const built = buildAchFile({
    originator: settings.originator,
    createdAt,
    fileIdModifier,
    ...(body.referenceCode ? { referenceCode: body.referenceCode } : {}),
    batches: achBatches(due, company, settings.entryDescriptions, body.effectiveDate),
  });
  const record: AchFileRecord = {
    id,
    effectiveDate: body.effectiveDate,
    companyId: company.id,
    createdAt,
    fileIdModifier,
    key: `ach/${body.effectiveDate}/${id}.ach`,
    payoutIds: built.traces.map((trace) => trace.payoutId),
    traces: built.traces,
    batches: built.batches,
    records: built.records,
    blockCount: built.blockCount,
    entryAddendaCount: built.entryAddendaCount,
    entryHash: built.entryHash,
    totalDebit: built.totalDebit,
    totalCredit: built.totalCredit,
    text: built.text,
  };
  if (!(await commitAchFile(deps, record, filesBefore))) {
    throw new ConflictError('payouts or the file counter changed while the file was built; send it again');
  }
  return { file: publicFile(record), uri: await finish(deps, record, settings), duplicate: false };
}

/** Writes the file to the bucket and posts its payouts (both idempotent). */
async function finish(deps: Deps, file: AchFileRecord, settings: AchSettings): Promise<string> {
  const { uri } = await deps.objects.put(file.key, file.text, 'text/plain');
  for (const payoutId of file.payoutIds) {
    const payout = await getPayout(deps, payoutId);
    if (!payout) throw new UnprocessableError(`payout ${payoutId} of file ${file.id} is gone`);
    await postJournalEntry(
      deps,
      undefined,
      payoutEntry(payout, { postedAt: file.createdAt, achFileId: file.id, accounts: settings.accounts }),
    );
  }
  return uri;
}
