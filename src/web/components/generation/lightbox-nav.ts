/** Which image the lightbox shows after a key press or a button: pure, so every edge has a test. */

/** The next index after moving by `delta`, wrapping around at both ends; 0 when there is nothing. */
export function moveIndex(index: number, delta: number, count: number): number {
  if (count <= 0) return 0;
  return (((index + delta) % count) + count) % count;
}

/** An index that exists (a list can shrink while the lightbox is open). */
export function clampIndex(index: number, count: number): number {
  if (count <= 0) return 0;
  return Math.min(Math.max(0, Math.trunc(index)), count - 1);
}

/**
 * The lightbox's keys: arrows move (wrapping), Home and End jump; anything
 * else is not the lightbox's (undefined). Escape is the dialog's own.
 * In right-to-left text the arrows swap, as the images are laid out mirrored.
 */
export function indexForKey(key: string, index: number, count: number, rtl = false): number | undefined {
  if (count <= 1) return undefined;
  switch (key) {
    case 'ArrowRight':
      return moveIndex(index, rtl ? -1 : 1, count);
    case 'ArrowLeft':
      return moveIndex(index, rtl ? 1 : -1, count);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return undefined;
  }
}
