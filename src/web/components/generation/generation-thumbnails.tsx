/**
 * A generation's images as buttons that open the lightbox, or, while it
 * runs, one pulsing placeholder per image at the requested shape. Large
 * tiles keep each image's own shape (the generator's cards, the compare
 * columns); small ones are fixed squares in a strip (the history).
 */
import { cn } from '../../lib/cn';
import { useI18n } from '../../lib/i18n';
import { isTerminal, truncate } from './format';
import type { Generation } from './types';

export function GenerationThumbnails({
  generation,
  size,
  className,
  onOpen,
  testId,
}: {
  generation: Generation;
  size: 'large' | 'small';
  /** The list's layout (a grid or a strip). */
  className: string;
  onOpen: (generation: Generation, index: number) => void;
  /** Each image button's data-testid. */
  testId: string;
}) {
  const { t } = useI18n();
  const running = !isTerminal(generation.status);
  const total = generation.images.length;
  const large = size === 'large';
  const cell = large ? 'w-full' : 'h-20 w-20 sm:h-24 sm:w-24';

  if (running) {
    return (
      <div className={className} aria-hidden>
        {Array.from({ length: generation.n }, (_, i) => (
          <div
            key={i}
            className={cn(cell, 'animate-pulse rounded-md bg-muted motion-reduce:animate-none')}
            style={{ aspectRatio: `${generation.width} / ${generation.height}` }}
          />
        ))}
      </div>
    );
  }
  if (total === 0) return null;
  const prompt = truncate(generation.prompt, 120);
  return (
    <ul className={className}>
      {generation.images.map((image, i) => (
        <li key={image.id} className={large ? undefined : 'shrink-0'}>
          <button
            type="button"
            className={cn(cell, 'block overflow-hidden rounded-md border bg-muted hover:opacity-90')}
            style={large ? { aspectRatio: `${image.width} / ${image.height}` } : undefined}
            onClick={() => onOpen(generation, i)}
            data-testid={testId}
          >
            <img
              src={image.thumbUrl}
              width={image.width}
              height={image.height}
              loading="lazy"
              decoding="async"
              alt={t('generation.image.alt', { index: i + 1, total, prompt })}
              className="size-full object-cover"
            />
          </button>
        </li>
      ))}
    </ul>
  );
}
