/**
 * A generation's images at full size, with its details. A native modal
 * <dialog>: the page behind is inert (focus stays inside) and Escape closes
 * it; focus returns to the thumbnail that opened it. Arrow keys move
 * between images, Home and End jump. The original image is shown (not the
 * thumbnail), with a download link. Mounted only while open.
 */
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { useI18n } from '../../lib/i18n';
import { buttonClasses } from '../ui/button';
import { countText, costNote, elapsedMs, formatDateTime, formatElapsed, truncate } from './format';
import { clampIndex, indexForKey, moveIndex } from './lightbox-nav';
import { dimensionsLabel, ratioLabel } from './pricing';
import { StatusBadge } from './status-badge';
import type { Generation, GenerationImage } from './types';

export interface LightboxProps {
  generation: Generation;
  index: number;
  onIndexChange: (index: number) => void;
  onClose: () => void;
  /** Buttons and links for the shown image (undefined when the generation has none). */
  actions?: (image: GenerationImage | undefined) => ReactNode;
}

export function Lightbox({ generation, index, onIndexChange, onClose, actions }: LightboxProps) {
  const { t, locale } = useI18n();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const images = generation.images;
  const count = images.length;
  const current = clampIndex(index, count);
  const image = images[current];

  // No close() on unmount: a removed dialog leaves the top layer by itself,
  // and closing it here would fire `close` (and onClose) when React merely
  // re-runs effects (StrictMode).
  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  const close = () => dialogRef.current?.close();
  const counter = count > 0 ? t('generation.lightbox.counter', { index: current + 1, total: count }) : '';
  const seed = image?.seed ?? generation.seed;

  return (
    <dialog
      ref={dialogRef}
      aria-labelledby={titleId}
      onClose={onClose}
      onKeyDown={(event) => {
        if (event.altKey || event.ctrlKey || event.metaKey) return;
        const rtl = getComputedStyle(event.currentTarget).direction === 'rtl';
        const next = indexForKey(event.key, current, count, rtl);
        if (next === undefined) return;
        event.preventDefault();
        onIndexChange(next);
      }}
      className="m-auto max-h-[calc(100dvh-1rem)] w-[min(80rem,calc(100vw-1rem))] overflow-y-auto rounded-lg border bg-card p-0 text-card-foreground shadow-xl backdrop:bg-black/70 lg:overflow-hidden"
      data-testid="lightbox"
    >
      <div className="flex items-center gap-2 border-b px-4 py-2">
        <h2 id={titleId} className="text-sm font-semibold">
          {t('generation.lightbox.label')}
        </h2>
        <p className="text-sm text-muted-foreground" aria-live="polite">
          {counter}
        </p>
        <button
          type="button"
          className={buttonClasses('ghost', 'sm', 'ml-auto')}
          onClick={close}
          data-testid="lightbox-close"
        >
          {t('generation.lightbox.close')}
          <span aria-hidden>✕</span>
        </button>
      </div>
      <div className="flex flex-col lg:h-[min(48rem,calc(100dvh-4rem))] lg:flex-row">
        {/*
          A box of definite size with the image filling it (object-contain
          letterboxes): a tall image can never overflow the dialog, whatever
          the screen.
        */}
        <div className="relative grid h-[55dvh] place-items-center bg-muted lg:h-auto lg:min-h-0 lg:flex-1">
          {image ? (
            <img
              key={image.id}
              src={image.url}
              width={image.width}
              height={image.height}
              alt={t('generation.image.alt', {
                index: current + 1,
                total: count,
                prompt: truncate(generation.prompt, 160),
              })}
              className="absolute inset-0 size-full object-contain p-2"
              decoding="async"
            />
          ) : (
            <p className="p-8 text-sm text-muted-foreground">{t('generation.lightbox.noImages')}</p>
          )}
          {count > 1 ? (
            <>
              <button
                type="button"
                className={buttonClasses(
                  'secondary',
                  'icon',
                  'absolute top-1/2 left-2 -translate-y-1/2 shadow',
                )}
                onClick={() => onIndexChange(moveIndex(current, -1, count))}
                aria-label={t('generation.lightbox.previous')}
                data-testid="lightbox-previous"
              >
                <span aria-hidden>‹</span>
              </button>
              <button
                type="button"
                className={buttonClasses(
                  'secondary',
                  'icon',
                  'absolute top-1/2 right-2 -translate-y-1/2 shadow',
                )}
                onClick={() => onIndexChange(moveIndex(current, 1, count))}
                aria-label={t('generation.lightbox.next')}
                data-testid="lightbox-next"
              >
                <span aria-hidden>›</span>
              </button>
            </>
          ) : null}
        </div>
        <aside className="grid content-start gap-4 border-t p-4 text-sm lg:w-80 lg:overflow-y-auto lg:border-t-0 lg:border-l">
          <div className="flex flex-wrap gap-2">
            {image ? (
              <>
                <a href={image.downloadUrl} download className={buttonClasses('primary', 'sm')}>
                  {t('generation.download')}
                </a>
                <a href={image.url} target="_blank" rel="noopener" className={buttonClasses('outline', 'sm')}>
                  {t('generation.openOriginal')}
                </a>
              </>
            ) : null}
            {actions?.(image)}
          </div>
          <dl className="grid gap-3">
            <Detail label={t('generation.details.status')}>
              <StatusBadge status={generation.status} />
            </Detail>
            <Detail label={t('generation.details.prompt')}>
              <span className="break-words whitespace-pre-wrap">{generation.prompt}</span>
            </Detail>
            {generation.negativePrompt ? (
              <Detail label={t('generation.details.negativePrompt')}>
                <span className="break-words whitespace-pre-wrap">{generation.negativePrompt}</span>
              </Detail>
            ) : null}
            <Detail label={t('generation.details.model')}>{generation.modelName}</Detail>
            <Detail label={t('generation.details.size')}>
              {image
                ? `${dimensionsLabel(image.width, image.height)} (${ratioLabel(image.width, image.height)})`
                : (generation.size ??
                  generation.aspectRatio ??
                  dimensionsLabel(generation.width, generation.height))}
            </Detail>
            <Detail label={t('generation.details.images')}>
              {countText(t, locale, 'generation.images', generation.n)}
            </Detail>
            <Detail
              label={
                image && image.seed !== null
                  ? t('generation.details.imageSeed')
                  : t('generation.details.seed')
              }
            >
              <span className="font-mono">{seed ?? t('generation.details.randomSeed')}</span>
            </Detail>
            <Detail label={t('generation.details.created')}>
              {formatDateTime(locale, generation.createdAt)}
            </Detail>
            {generation.finishedAt ? (
              <Detail label={t('generation.details.duration')}>
                {formatElapsed(elapsedMs(generation, 0))}
              </Detail>
            ) : null}
            <Detail label={t('generation.details.cost')}>{costNote(t, locale, generation)}</Detail>
          </dl>
          {count > 1 ? (
            <p className="text-xs text-muted-foreground">{t('generation.lightbox.keys')}</p>
          ) : null}
        </aside>
      </div>
    </dialog>
  );
}

function Detail({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid gap-0.5">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
