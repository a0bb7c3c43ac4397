/**
 * Sourcing for the walking skeleton: ship the whole order from one location when any location can,
 * warehouses before stores, then the location with the most stock to spare. Every decision keeps its
 * candidates and the rule that decided, so `GET /orders/{id}` can explain it.
 */
export interface RequestedLine {
  sku: string;
  quantity: number;
}

export interface LocationCandidate {
  locationId: string;
  kind: 'warehouse' | 'store';
  shipsToHome: boolean;
  /** Available-to-promise per SKU at this location. */
  available: Record<string, number>;
}

export interface CandidateScore {
  locationId: string;
  fulfilsAll: boolean;
  spare: number;
  rejected?: string;
}

export interface AllocationPlan {
  kind: 'allocated';
  locationId: string;
  reason: string;
  lines: RequestedLine[];
  candidates: CandidateScore[];
}

export interface Shortfall {
  kind: 'short';
  missing: RequestedLine[];
  candidates: CandidateScore[];
}

const KIND_RANK = { warehouse: 0, store: 1 } as const;

/** Merges repeated SKUs so a line split by the channel reserves once. */
export function consolidateLines(lines: readonly RequestedLine[]): RequestedLine[] {
  const bySku = new Map<string, number>();
  for (const line of lines) bySku.set(line.sku, (bySku.get(line.sku) ?? 0) + line.quantity);
  return [...bySku].map(([sku, quantity]) => ({ sku, quantity }));
}

export function planAllocation(
  requested: readonly RequestedLine[],
  candidates: readonly LocationCandidate[],
  exclude: ReadonlySet<string> = new Set(),
): AllocationPlan | Shortfall {
  const lines = consolidateLines(requested);
  const scores: CandidateScore[] = candidates.map((candidate) => {
    if (exclude.has(candidate.locationId)) {
      return {
        locationId: candidate.locationId,
        fulfilsAll: false,
        spare: 0,
        rejected: 'lost a race for stock',
      };
    }
    if (!candidate.shipsToHome) {
      return {
        locationId: candidate.locationId,
        fulfilsAll: false,
        spare: 0,
        rejected: 'does not ship to home',
      };
    }
    const fulfilsAll = lines.every((line) => (candidate.available[line.sku] ?? 0) >= line.quantity);
    const spare = lines.reduce((sum, line) => sum + (candidate.available[line.sku] ?? 0) - line.quantity, 0);
    return fulfilsAll
      ? { locationId: candidate.locationId, fulfilsAll, spare }
      : { locationId: candidate.locationId, fulfilsAll, spare, rejected: 'not enough stock for every line' };
  });

  const eligible = candidates
    .filter((candidate) => scores.find((score) => score.locationId === candidate.locationId)?.fulfilsAll)
    .sort((a, b) => {
      const byKind = KIND_RANK[a.kind] - KIND_RANK[b.kind];
      if (byKind !== 0) return byKind;
      const spareA = scores.find((score) => score.locationId === a.locationId)?.spare ?? 0;
      const spareB = scores.find((score) => score.locationId === b.locationId)?.spare ?? 0;
      return spareB - spareA || a.locationId.localeCompare(b.locationId);
    });

  const chosen = eligible[0];
  if (chosen) {
    return {
      kind: 'allocated',
      locationId: chosen.locationId,
      reason: `single-location: ${chosen.kind} ${chosen.locationId} has every line; warehouses before stores, then most stock to spare`,
      lines,
      candidates: scores,
    };
  }

  const missing = lines
    .map((line) => {
      // Only locations that may serve this order count: an excluded or pickup-only store's stock is not ours.
      const usable = candidates.filter(
        (candidate) => candidate.shipsToHome && !exclude.has(candidate.locationId),
      );
      const best = Math.max(0, ...usable.map((candidate) => candidate.available[line.sku] ?? 0));
      return { sku: line.sku, quantity: Math.max(0, line.quantity - best) };
    })
    .filter((line) => line.quantity > 0);
  // No single location has everything even though each SKU exists somewhere: splitting comes with the
  // sourcing rules; until then the whole order waits.
  return { kind: 'short', missing: missing.length > 0 ? missing : lines, candidates: scores };
}
