/**
 * A plain in-memory model of one member's credit account, for the
 * model-based ledger test (reliability C3). It is written from the rules in
 * decision 011, not from the implementation: buckets, grants spent
 * soonest-expiring first (never-expiring last, then oldest), holds that
 * remember their grants, settle spending the soonest-expiring part, expiry
 * of the unspent part only, revoke of available credits only.
 */

export interface ModelGrant {
  /** The real grant id, learned when the command ran. */
  id: string;
  remaining: number;
  expired: number;
  expiresAt: number | null;
  createdAt: number;
}

export interface ModelHold {
  id: string;
  amount: number;
  status: 'open' | 'settled' | 'voided';
  settled: number | null;
  /** grant id → credits drawn from it. */
  drawn: Map<string, number>;
}

export interface LedgerModel {
  /** The injected clock, in ms; every command moves it forward. */
  now: number;
  available: number;
  held: number;
  grants: ModelGrant[];
  holds: ModelHold[];
}

export function emptyModel(now: number): LedgerModel {
  return { now, available: 0, held: 0, grants: [], holds: [] };
}

/** Spending order: soonest expiry first, never-expiring last, then oldest. */
function bySpendOrder(a: ModelGrant, b: ModelGrant): number {
  const ax = a.expiresAt ?? Number.POSITIVE_INFINITY;
  const bx = b.expiresAt ?? Number.POSITIVE_INFINITY;
  if (ax !== bx) return ax < bx ? -1 : 1;
  return a.createdAt - b.createdAt;
}

function grantOf(model: LedgerModel, id: string): ModelGrant {
  const grant = model.grants.find((g) => g.id === id);
  if (!grant) throw new Error(`model has no grant ${id}`);
  return grant;
}

/** Takes `amount` from remaining credits in spending order; the caller has checked there is enough. */
function take(model: LedgerModel, amount: number): Map<string, number> {
  const drawn = new Map<string, number>();
  let left = amount;
  for (const grant of [...model.grants].sort(bySpendOrder)) {
    if (left === 0) break;
    const part = Math.min(left, grant.remaining);
    if (part === 0) continue;
    grant.remaining -= part;
    drawn.set(grant.id, part);
    left -= part;
  }
  if (left !== 0) throw new Error('model: grants do not cover available');
  return drawn;
}

export function applyGrant(
  model: LedgerModel,
  grant: { id: string; amount: number; expiresAt: number | null },
): void {
  model.grants.push({
    id: grant.id,
    remaining: grant.amount,
    expired: 0,
    expiresAt: grant.expiresAt,
    createdAt: model.now,
  });
  model.available += grant.amount;
}

export function canHold(model: LedgerModel, amount: number): boolean {
  return model.available >= amount;
}

export function applyHold(model: LedgerModel, id: string, amount: number): void {
  const drawn = take(model, amount);
  model.available -= amount;
  model.held += amount;
  model.holds.push({ id, amount, status: 'open', settled: null, drawn });
}

/** Settles `spent` of an open hold: the soonest-expiring part is spent, the rest returns to its grants. */
export function applySettle(model: LedgerModel, hold: ModelHold, spent: number): void {
  const parts = [...hold.drawn.entries()]
    .map(([id, amount]) => ({ grant: grantOf(model, id), amount }))
    .sort((a, b) => bySpendOrder(a.grant, b.grant));
  let left = spent;
  for (const part of parts) {
    const used = Math.min(left, part.amount);
    part.grant.remaining += part.amount - used;
    left -= used;
  }
  hold.status = 'settled';
  hold.settled = spent;
  model.held -= hold.amount;
  model.available += hold.amount - spent;
}

export function applyVoid(model: LedgerModel, hold: ModelHold): void {
  for (const [id, amount] of hold.drawn) grantOf(model, id).remaining += amount;
  hold.status = 'voided';
  model.held -= hold.amount;
  model.available += hold.amount;
}

/** Expires what remains of every grant due at `now`; returns how many grants and credits. */
export function applyExpiry(model: LedgerModel, now: number): { grants: number; credits: number } {
  const result = { grants: 0, credits: 0 };
  for (const grant of model.grants) {
    if (grant.expiresAt === null || grant.expiresAt > now || grant.remaining === 0) continue;
    result.grants += 1;
    result.credits += grant.remaining;
    model.available -= grant.remaining;
    grant.expired += grant.remaining;
    grant.remaining = 0;
  }
  return result;
}

/** Revokes up to `amount` of available credits; returns what was taken, or null when refused. */
export function applyRevoke(model: LedgerModel, amount: number, allowPartial: boolean): number | null {
  const revoked = Math.min(amount, model.available);
  if (revoked < amount && !allowPartial) return null;
  take(model, revoked);
  model.available -= revoked;
  return revoked;
}
