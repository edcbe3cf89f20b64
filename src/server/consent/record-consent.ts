/** Records one consent choice as proof (who = pseudonymous id, when, which version, what). */
import type { Db } from '../db/client';
import { consentRecords } from '../db/schema';
import type { ConsentAction } from '../../shared/consent';
import type { OptionalCategory } from '../../shared/cookie-registry';

export async function recordConsent(
  db: Db,
  input: {
    consentId: string;
    userId: string | null;
    policyVersion: number;
    categories: OptionalCategory[];
    action: ConsentAction;
    uiTextHash: string;
    locale: string;
    at: Date;
  },
): Promise<void> {
  await db.insert(consentRecords).values({
    consentId: input.consentId,
    userId: input.userId,
    policyVersion: input.policyVersion,
    categories: input.categories,
    action: input.action,
    uiTextHash: input.uiTextHash,
    locale: input.locale,
    createdAt: input.at,
  });
}
