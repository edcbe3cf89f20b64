import { describe, expect, it } from 'vitest';
import type { CreditEntry } from '../generation/types';
import { entryChanges, generationOf, knownReason } from './ledger';

function entry(overrides: Partial<CreditEntry>): CreditEntry {
  return {
    id: 'e1',
    kind: 'grant',
    amount: 10,
    availableChange: 10,
    heldChange: 0,
    reason: null,
    reference: null,
    createdAt: '2027-03-04T10:00:00.000Z',
    ...overrides,
  };
}

describe('credit history entries', () => {
  it('leads with the change to the spendable balance', () => {
    expect(entryChanges(entry({ kind: 'grant', availableChange: 10 }))).toEqual({
      primary: { balance: 'available', amount: 10 },
      changes: [{ balance: 'available', amount: 10 }],
    });
    const hold = entryChanges(entry({ kind: 'hold', amount: 4, availableChange: -4, heldChange: 4 }));
    expect(hold.primary).toEqual({ balance: 'available', amount: -4 });
    expect(hold.changes).toEqual([
      { balance: 'available', amount: -4 },
      { balance: 'held', amount: 4 },
    ]);
  });

  it('shows the held change when that is all that moved (a settle)', () => {
    const settle = entryChanges(entry({ kind: 'settle', amount: 4, availableChange: 0, heldChange: -4 }));
    expect(settle.primary).toEqual({ balance: 'held', amount: -4 });
    expect(settle.changes).toEqual([{ balance: 'held', amount: -4 }]);
  });

  it('signs the amount by kind when no balance change is given', () => {
    expect(entryChanges(entry({ kind: 'expire', amount: 3, availableChange: 0 })).primary).toEqual({
      balance: 'available',
      amount: -3,
    });
    expect(entryChanges(entry({ kind: 'void', amount: 2, availableChange: 0 })).primary.amount).toBe(2);
  });

  it('links hold, settle and void entries to their generation', () => {
    expect(generationOf(entry({ kind: 'hold', reference: 'g1' }))).toBe('g1');
    expect(generationOf(entry({ kind: 'void', reference: 'g1' }))).toBe('g1');
    expect(generationOf(entry({ kind: 'settle', reference: null }))).toBeNull();
    expect(generationOf(entry({ kind: 'grant', reference: 'order-7' }))).toBeNull();
  });

  it('links no prompt suggestion: there is no generation to open', () => {
    expect(generationOf(entry({ kind: 'settle', reference: 'prompt:3f2b' }))).toBeNull();
    expect(generationOf(entry({ kind: 'hold', reference: 'prompt:3f2b' }))).toBeNull();
  });
});

describe('reasons', () => {
  it('recognizes the codes the ledger records, and leaves labels and notes alone', () => {
    expect(knownReason('starter')).toBe('starter');
    expect(knownReason('failure')).toBe('failure');
    expect(knownReason('purchase')).toBe('purchase');
    expect(knownReason('dispute')).toBe('dispute');
    expect(knownReason('Starter credits')).toBeNull();
    expect(knownReason(null)).toBeNull();
  });
});
