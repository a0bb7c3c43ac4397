import { ValidationError } from './errors.js';

export interface PickLine {
  sku: string;
  quantity: number;
}

export interface PickOutcome {
  short: boolean;
  lines: { sku: string; ordered: number; picked: number }[];
}

/**
 * Compares what the warehouse says it picked with the ticket. Picking more than asked, or a SKU that is not
 * on the ticket, is a bad confirmation (400), not a short pick.
 */
export function comparePick(ticket: readonly PickLine[], picked: readonly PickLine[]): PickOutcome {
  const pickedBySku = new Map<string, number>();
  picked.forEach((line, index) => {
    if (!ticket.some((ordered) => ordered.sku === line.sku)) {
      throw new ValidationError(`lines[${index}].sku ${line.sku} is not on this pick ticket`, [
        { field: `lines[${index}].sku`, message: 'not on this pick ticket' },
      ]);
    }
    pickedBySku.set(line.sku, (pickedBySku.get(line.sku) ?? 0) + line.quantity);
  });
  const lines = ticket.map((ordered) => ({
    sku: ordered.sku,
    ordered: ordered.quantity,
    picked: pickedBySku.get(ordered.sku) ?? 0,
  }));
  const over = lines.find((line) => line.picked > line.ordered);
  if (over) {
    throw new ValidationError(
      `picked ${over.picked} of ${over.sku} but the ticket asks for ${over.ordered}`,
      [{ field: 'lines', message: `more ${over.sku} picked than ordered` }],
    );
  }
  return { short: lines.some((line) => line.picked < line.ordered), lines };
}

/**
 * A packed carton as the warehouse measured it. The rate shop uses recorded cartons for billable weight
 * (dimensional against actual), so the shape is a contract: inches and pounds, positive numbers.
 */
export interface Carton {
  id: string;
  lengthIn: number;
  widthIn: number;
  heightIn: number;
  weightLb: number;
}

/** A carton with the lines packed in it, as recorded on the pick ticket. */
export interface PackedCarton extends Carton {
  lines?: PickLine[];
}

/** A ticket line: what to pick and where it sits; `bin` is absent when the location has not set one. */
export interface BinnedLine extends PickLine {
  bin?: string;
}

/**
 * The walk order of a pick ticket: by bin (natural order, so A-2 comes before A-10), lines with no bin
 * last, then by SKU. Deterministic for the same lines and bins, whatever order they arrive in.
 */
export function sortByBin<T extends BinnedLine>(lines: readonly T[]): T[] {
  const natural = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' });
  return [...lines].sort((a, b) => {
    if (a.bin !== undefined && b.bin === undefined) return -1;
    if (a.bin === undefined && b.bin !== undefined) return 1;
    const byBin =
      a.bin !== undefined && b.bin !== undefined ? natural(a.bin, b.bin) || a.bin.localeCompare(b.bin) : 0;
    return byBin || a.sku.localeCompare(b.sku);
  });
}

/** What a pick left behind: per SKU, the units asked for and not picked (only those with a shortfall). */
export function shortfall(outcome: PickOutcome): PickLine[] {
  return outcome.lines
    .filter((line) => line.picked < line.ordered)
    .map((line) => ({ sku: line.sku, quantity: line.ordered - line.picked }));
}

/** Units a pick actually took. */
export const pickedUnits = (outcome: Pick<PickOutcome, 'lines'>) =>
  outcome.lines.reduce((sum, line) => sum + line.picked, 0);

/** Nothing was picked: an escalated ticket, or a confirmation of zeros. */
export const nothingPicked = (ticket: readonly PickLine[]): PickOutcome => ({
  short: ticket.some((line) => line.quantity > 0),
  lines: ticket.map((line) => ({ sku: line.sku, ordered: line.quantity, picked: 0 })),
});

/**
 * Whether recorded cartons are the same as a new packing: ids given by the caller must match, ids assigned
 * by us (`ctn_<n>`) compare by position; dimensions, weight and lines compare exactly.
 */
export function sameCartons(a: readonly PackedCarton[], b: readonly PackedCarton[]): boolean {
  const canonical = (cartons: readonly PackedCarton[]) =>
    JSON.stringify(
      cartons.map(({ id, lengthIn, widthIn, heightIn, weightLb, lines }) => [
        id,
        lengthIn,
        widthIn,
        heightIn,
        weightLb,
        [...(lines ?? [])].sort((x, y) => x.sku.localeCompare(y.sku)).map((l) => [l.sku, l.quantity]),
      ]),
    );
  return canonical(a) === canonical(b);
}

/** Gives every carton an id: the caller's, or `ctn_<position>`; two cartons with one id are a 400. */
export function withCartonIds(
  cartons: readonly (Omit<PackedCarton, 'id'> & { id?: string })[],
): PackedCarton[] {
  const result = cartons.map((carton, index) => ({ ...carton, id: carton.id ?? `ctn_${index + 1}` }));
  const seen = new Set<string>();
  result.forEach((carton, index) => {
    if (seen.has(carton.id)) {
      throw new ValidationError(`carton id ${carton.id} appears twice`, [
        { field: `cartons[${index}].id`, message: 'duplicate carton id' },
      ]);
    }
    seen.add(carton.id);
  });
  return result;
}

/** A reserved line as the domain sees it: the units and the stock buckets they were taken from. */
export interface HeldLine {
  sku: string;
  quantity: number;
  parts?: { bucket: number; quantity: number }[];
}

/**
 * Takes `short` units back out of reservation rows (a short pick's remainder): per SKU from the rows in
 * order, from each line's last bucket part first. Returns each row's lines afterwards (lines that reach zero
 * are dropped) and what to give back per row and bucket, so exactly the units not picked return to stock.
 * Throws when the rows hold less than asked (a ticket's rows always hold its lines).
 */
export function takeFromRows(
  rows: readonly { lines: readonly HeldLine[] }[],
  short: readonly PickLine[],
): { lines: HeldLine[][]; released: { row: number; sku: string; bucket: number; quantity: number }[] } {
  const lines = rows.map((row) =>
    row.lines.map((line) => ({
      sku: line.sku,
      quantity: line.quantity,
      parts: (line.parts ?? [{ bucket: 0, quantity: line.quantity }]).map((part) => ({ ...part })),
    })),
  );
  const released: { row: number; sku: string; bucket: number; quantity: number }[] = [];
  for (const want of short) {
    let left = want.quantity;
    for (const [rowIndex, rowLines] of lines.entries()) {
      for (const line of rowLines) {
        if (line.sku !== want.sku) continue;
        for (let index = line.parts.length - 1; index >= 0 && left > 0; index -= 1) {
          const part = line.parts[index];
          if (!part || part.quantity === 0) continue;
          const take = Math.min(part.quantity, left);
          part.quantity -= take;
          line.quantity -= take;
          left -= take;
          released.push({ row: rowIndex, sku: want.sku, bucket: part.bucket, quantity: take });
        }
      }
    }
    if (left > 0)
      throw new Error(`the reservation holds ${want.quantity - left} of ${want.sku}, not ${want.quantity}`);
  }
  return {
    lines: lines.map((rowLines) =>
      rowLines
        .map((line) => ({ ...line, parts: line.parts.filter((part) => part.quantity > 0) }))
        .filter((line) => line.quantity > 0),
    ),
    released,
  };
}
