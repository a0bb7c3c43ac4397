/**
 * An independent NACHA reader for tests. It shares no code with shared/domain/nacha.ts (the generator):
 * it re-reads a file by the published record layouts and recomputes every control from the entries, so a
 * generator bug cannot hide behind the same bug in its check. nach2 (the npm package) can only generate
 * files, not parse them (docs/ach.md); this fills that gap.
 */

export interface CheckedEntry {
  transactionCode: string;
  routing: string;
  account: string;
  amount: number;
  idNumber: string;
  name: string;
  addendaIndicator: string;
  traceNumber: string;
  addenda: string[];
}

export interface CheckedBatch {
  serviceClass: string;
  companyName: string;
  companyId: string;
  sec: string;
  description: string;
  effectiveDate: string;
  odfi: string;
  batchNumber: string;
  entries: CheckedEntry[];
  control: { count: number; entryHash: string; totalDebit: number; totalCredit: number };
}

export interface CheckedFile {
  problems: string[];
  lines: string[];
  header: { destination: string; origin: string; recordSize: string; blockingFactor: string };
  batches: CheckedBatch[];
  control: {
    batchCount: number;
    blockCount: number;
    count: number;
    entryHash: string;
    totalDebit: number;
    totalCredit: number;
  };
}

const CREDIT_CODES = new Set(['22', '23', '24', '32', '33', '34']);
const DEBIT_CODES = new Set(['27', '28', '29', '37', '38', '39']);

/** Written out here, not imported: the check must not reuse the generator's. */
function abaValid(nine: string): boolean {
  if (!/^\d{9}$/.test(nine)) return false;
  const d = [...nine].map(Number);
  const at = (i: number) => d[i] ?? 0;
  return (3 * (at(0) + at(3) + at(6)) + 7 * (at(1) + at(4) + at(7)) + (at(2) + at(5) + at(8))) % 10 === 0;
}

const field = (line: string, from: number, to: number) => line.slice(from - 1, to);
const num = (text: string) => (/^\d+$/.test(text) ? Number(text) : Number.NaN);

export function checkNacha(text: string): CheckedFile {
  const problems: string[] = [];
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, index) => {
    if (line.length !== 94) problems.push(`line ${index + 1} is ${line.length} characters, not 94`);
  });
  if (lines.length % 10 !== 0) problems.push(`${lines.length} records is not a multiple of 10`);
  const fileControlIndex = lines.findIndex((line) => line.startsWith('9') && line !== '9'.repeat(94));
  const padding = fileControlIndex >= 0 ? lines.slice(fileControlIndex + 1) : [];
  if (padding.some((line) => line !== '9'.repeat(94)))
    problems.push('padding after the file control is not all 9s');
  const first = lines[0] ?? '';
  if (!first.startsWith('1')) problems.push('the first record is not a file header');
  const header = {
    destination: field(first, 4, 13),
    origin: field(first, 14, 23),
    recordSize: field(first, 35, 37),
    blockingFactor: field(first, 38, 39),
  };
  if (header.recordSize !== '094' || header.blockingFactor !== '10')
    problems.push('record size or blocking factor');
  if (!abaValid(header.destination.trim())) problems.push('immediate destination fails the ABA check');

  const batches: CheckedBatch[] = [];
  let current: CheckedBatch | undefined;
  let lastEntry: CheckedEntry | undefined;
  for (const [index, line] of lines
    .slice(1, fileControlIndex < 0 ? lines.length : fileControlIndex)
    .entries()) {
    const at = `record ${index + 2}`;
    const type = line[0];
    if (type === '5') {
      if (current) problems.push(`${at}: batch header inside a batch`);
      current = {
        serviceClass: field(line, 2, 4),
        companyName: field(line, 5, 20),
        companyId: field(line, 41, 50),
        sec: field(line, 51, 53),
        description: field(line, 54, 63),
        effectiveDate: field(line, 70, 75),
        odfi: field(line, 80, 87),
        batchNumber: field(line, 88, 94),
        entries: [],
        control: { count: 0, entryHash: '', totalDebit: 0, totalCredit: 0 },
      };
    } else if (type === '6') {
      if (!current) {
        problems.push(`${at}: entry outside a batch`);
        continue;
      }
      const routing = `${field(line, 4, 11)}${field(line, 12, 12)}`;
      if (!abaValid(routing)) problems.push(`${at}: routing ${routing} fails the ABA check digit`);
      const amount = num(field(line, 30, 39));
      if (Number.isNaN(amount)) problems.push(`${at}: amount is not numeric`);
      lastEntry = {
        transactionCode: field(line, 2, 3),
        routing,
        account: field(line, 13, 29).trimEnd(),
        amount,
        idNumber: field(line, 40, 54).trimEnd(),
        name: field(line, 55, 76).trimEnd(),
        addendaIndicator: field(line, 79, 79),
        traceNumber: field(line, 80, 94),
        addenda: [],
      };
      current.entries.push(lastEntry);
    } else if (type === '7') {
      if (!lastEntry || !current) {
        problems.push(`${at}: addenda without an entry`);
        continue;
      }
      if (lastEntry.addendaIndicator !== '1')
        problems.push(`${at}: addenda for an entry that announces none`);
      if (field(line, 88, 94) !== lastEntry.traceNumber.slice(-7)) {
        problems.push(`${at}: addenda's entry detail sequence number is not its entry's trace`);
      }
      lastEntry.addenda.push(field(line, 4, 83).trimEnd());
    } else if (type === '8') {
      if (!current) {
        problems.push(`${at}: batch control outside a batch`);
        continue;
      }
      current.control = {
        count: num(field(line, 5, 10)),
        entryHash: field(line, 11, 20),
        totalDebit: num(field(line, 21, 32)),
        totalCredit: num(field(line, 33, 44)),
      };
      const entries = current.entries;
      const addenda = entries.reduce((sum, entry) => sum + entry.addenda.length, 0);
      const hash =
        entries.reduce((sum, entry) => sum + BigInt(entry.routing.slice(0, 8)), 0n) % 10_000_000_000n;
      const credit = entries
        .filter((e) => CREDIT_CODES.has(e.transactionCode))
        .reduce((s, e) => s + e.amount, 0);
      const debit = entries
        .filter((e) => DEBIT_CODES.has(e.transactionCode))
        .reduce((s, e) => s + e.amount, 0);
      const batch = `batch ${current.batchNumber}`;
      if (current.control.count !== entries.length + addenda) problems.push(`${batch}: entry/addenda count`);
      if (current.control.entryHash !== hash.toString().padStart(10, '0'))
        problems.push(`${batch}: entry hash`);
      if (current.control.totalCredit !== credit) problems.push(`${batch}: total credit`);
      if (current.control.totalDebit !== debit) problems.push(`${batch}: total debit`);
      if (field(line, 2, 4) !== current.serviceClass)
        problems.push(`${batch}: service class differs from header`);
      if (field(line, 88, 94) !== current.batchNumber)
        problems.push(`${batch}: batch number differs from header`);
      batches.push(current);
      current = undefined;
      lastEntry = undefined;
    } else {
      problems.push(`${at}: unexpected record type '${type}'`);
    }
  }
  if (current) problems.push('a batch has no control record');
  const last = fileControlIndex >= 0 ? (lines[fileControlIndex] ?? '') : '';
  if (fileControlIndex < 0) problems.push('no file control record');
  const control = {
    batchCount: num(field(last, 2, 7)),
    blockCount: num(field(last, 8, 13)),
    count: num(field(last, 14, 21)),
    entryHash: field(last, 22, 31),
    totalDebit: num(field(last, 32, 43)),
    totalCredit: num(field(last, 44, 55)),
  };
  const all = batches.flatMap((batch) => batch.entries);
  const fileHash = all.reduce((sum, entry) => sum + BigInt(entry.routing.slice(0, 8)), 0n) % 10_000_000_000n;
  const count = all.reduce((sum, entry) => sum + 1 + entry.addenda.length, 0);
  if (control.batchCount !== batches.length) problems.push('file control: batch count');
  if (control.blockCount !== lines.length / 10) problems.push('file control: block count');
  if (control.count !== count) problems.push('file control: entry/addenda count');
  if (control.entryHash !== fileHash.toString().padStart(10, '0')) problems.push('file control: entry hash');
  if (control.totalCredit !== batches.reduce((s, b) => s + b.control.totalCredit, 0)) {
    problems.push('file control: total credit');
  }
  if (control.totalDebit !== batches.reduce((s, b) => s + b.control.totalDebit, 0)) {
    problems.push('file control: total debit');
  }
  return { problems, lines, header, batches, control };
}
