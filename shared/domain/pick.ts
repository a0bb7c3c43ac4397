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
