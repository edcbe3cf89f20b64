import type { Db } from '../db/client';
import { contactMessages } from '../db/schema';

export async function createContactMessage(
  db: Db,
  input: { name: string; email: string; message: string; locale: string; userId: string | null; at: Date },
): Promise<{ id: string }> {
  const [row] = await db
    .insert(contactMessages)
    .values({ ...input, createdAt: input.at })
    .returning({ id: contactMessages.id });
  if (!row) throw new Error('insert returned no row');
  return row;
}
