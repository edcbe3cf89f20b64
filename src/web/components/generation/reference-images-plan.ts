/**
 * The reference-image picker's rules, pure so they are unit-tested: which
 * of the files a member picked, dropped or pasted are sent, and why the
 * others are not. The browser's checks only save a pointless upload; the
 * server checks every file by its content anyway (a PNG renamed .jpg is
 * fine, an HTML file renamed .png is refused there).
 */

/** The types the server stores. A file whose type the browser does not know ('') is left to the server. */
export const ACCEPTED_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
/** For the file input's `accept`. */
export const ACCEPT_ATTRIBUTE = ACCEPTED_TYPES.join(',');

export interface CandidateFile {
  name: string;
  type: string;
  size: number;
}

export type RefusalReason = 'full' | 'notImage' | 'tooLarge';

export interface FilePlan<F extends CandidateFile> {
  send: F[];
  refused: { file: F; reason: RefusalReason }[];
}

/**
 * Keeps files in the order given while there is room; refuses the rest as
 * `full`, types that are known not to be PNG, JPEG or WebP as `notImage`,
 * and files over maxBytes (when known) as `tooLarge`.
 */
export function planFiles<F extends CandidateFile>(
  files: readonly F[],
  room: number,
  maxBytes?: number,
): FilePlan<F> {
  const plan: FilePlan<F> = { send: [], refused: [] };
  for (const file of files) {
    const type = file.type.toLowerCase();
    if (type !== '' && !(ACCEPTED_TYPES as readonly string[]).includes(type)) {
      plan.refused.push({ file, reason: 'notImage' });
    } else if (maxBytes !== undefined && file.size > maxBytes) {
      plan.refused.push({ file, reason: 'tooLarge' });
    } else if (plan.send.length >= room) {
      plan.refused.push({ file, reason: 'full' });
    } else {
      plan.send.push(file);
    }
  }
  return plan;
}

/** "10 MB", "512 KB": a size limit as people read it (binary units, as the server sets it). */
export function formatLimit(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KB`;
  return `${bytes} B`;
}

/** The image files among pasted clipboard items; none when the paste is text. */
export function pastedImageFiles(data: Pick<DataTransfer, 'files'> | null): File[] {
  if (!data) return [];
  return Array.from(data.files).filter((file) => file.type.startsWith('image/'));
}
