/**
 * Reference images for a model that takes them: pick files, drop them, or
 * paste a screenshot anywhere on the page, up to the model's limit; each
 * uploads at once with its progress shown, and the stored uploads appear
 * as thumbnails with a remove button. "Add from URL" asks the server to
 * fetch an image (it refuses private addresses). Errors come in the page's
 * language: the server's own message for what it refused, ours for what
 * the browser can tell before sending.
 *
 * Controlled: the parent keeps the chosen uploads (`value`) and gets the
 * new list through `onChange`; removing one only unselects it (the upload
 * stays in the member's uploads). No <form> inside: it sits in the
 * generator's form, and forms cannot nest, so Enter in the URL field is
 * handled here rather than submitting the generation.
 */
import { useEffect, useId, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { cn } from '../../lib/cn';
import { useI18n } from '../../lib/i18n';
import { Button } from '../ui/button';
import { Input } from '../ui/input';
import { ACCEPT_ATTRIBUTE, formatLimit, pastedImageFiles, planFiles } from './reference-images-plan';
import { uploadErrorMessage, uploadFile, uploadFromUrl, type Upload } from './uploads-api';

export interface ReferenceImagesProps {
  /** The model's maxReferenceImages. */
  maxImages: number;
  /** The chosen uploads, in the order they are sent. */
  value: Upload[];
  onChange: (next: Upload[]) => void;
  /** The server's upload limit (UPLOAD_MAX_BYTES), to refuse a larger file before sending it. */
  maxBytes?: number;
  disabled?: boolean;
  /** Take images pasted anywhere on the page, not only in this box (default true). */
  pasteAnywhere?: boolean;
  /** Told when uploads start and end, so the form can wait before submitting. */
  onBusyChange?: (busy: boolean) => void;
}

interface Pending {
  key: number;
  name: string;
  /** Fraction sent, 0–1; null until the browser reports it. */
  progress: number | null;
  controller: AbortController;
}

interface Notice {
  key: number;
  text: string;
}

/* The last few problems are enough; older ones would only push the thumbnails down. */
const MAX_NOTICES = 4;

export function ReferenceImages({
  maxImages,
  value,
  onChange,
  maxBytes,
  disabled = false,
  pasteAnywhere = true,
  onBusyChange,
}: ReferenceImagesProps) {
  const { t, locale } = useI18n();
  const id = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const nextKey = useRef(0);
  const [pending, setPending] = useState<Pending[]>([]);
  const [notices, setNotices] = useState<Notice[]>([]);
  const [dragging, setDragging] = useState(false);
  const [urlOpen, setUrlOpen] = useState(false);
  const [url, setUrl] = useState('');
  const [urlBusy, setUrlBusy] = useState(false);

  // Uploads finish one by one after renders: each appends to the newest list, not the one it started with.
  const latest = useRef(value);
  useEffect(() => {
    latest.current = value;
  }, [value]);
  const append = (upload: Upload) => {
    const next = [...latest.current, upload];
    latest.current = next;
    onChange(next);
  };

  const room = Math.max(0, maxImages - value.length - pending.length - (urlBusy ? 1 : 0));
  const busy = pending.length > 0 || urlBusy;
  useEffect(() => {
    onBusyChange?.(busy);
  }, [busy, onBusyChange]);

  // Leaving the page (or the model) cancels what is still uploading.
  const inFlight = useRef<Pending[]>([]);
  useEffect(() => {
    inFlight.current = pending;
  }, [pending]);
  useEffect(() => () => inFlight.current.forEach((p) => p.controller.abort()), []);

  const notify = (text: string) =>
    setNotices((list) => [...list, { key: nextKey.current++, text }].slice(-MAX_NOTICES));
  const messageOf = (error: unknown) =>
    uploadErrorMessage(error, { network: t('error.network'), internal: t('error.internal') });
  const isAbort = (error: unknown) => error instanceof DOMException && error.name === 'AbortError';

  const send = (files: File[]) => {
    if (disabled || files.length === 0) return;
    const plan = planFiles(files, room, maxBytes);
    if (plan.refused.some((r) => r.reason === 'full')) {
      notify(t('generation.references.full', { max: maxImages }));
    }
    for (const { file, reason } of plan.refused) {
      if (reason === 'notImage') notify(t('generation.references.notImage', { name: file.name }));
      if (reason === 'tooLarge') {
        notify(t('generation.references.tooLarge', { name: file.name, max: formatLimit(maxBytes ?? 0) }));
      }
    }
    for (const file of plan.send) {
      const key = nextKey.current++;
      const name = file.name || t('generation.references.pasted');
      const controller = new AbortController();
      setPending((list) => [...list, { key, name, progress: null, controller }]);
      uploadFile(file, {
        locale,
        signal: controller.signal,
        onProgress: (progress) =>
          setPending((list) => list.map((p) => (p.key === key ? { ...p, progress } : p))),
      })
        .then(append, (error: unknown) => {
          if (!isAbort(error)) notify(t('generation.references.failed', { name, message: messageOf(error) }));
        })
        .finally(() => setPending((list) => list.filter((p) => p.key !== key)));
    }
  };

  // A screenshot pasted anywhere on the page lands here; a text paste is left alone.
  const sendRef = useRef(send);
  useEffect(() => {
    sendRef.current = send;
  });
  const accepting = !disabled && maxImages > 0;
  useEffect(() => {
    if (!pasteAnywhere || !accepting) return;
    const onPaste = (event: ClipboardEvent) => {
      const files = pastedImageFiles(event.clipboardData);
      if (files.length === 0) return;
      event.preventDefault();
      sendRef.current(files);
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  }, [pasteAnywhere, accepting]);

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    send(Array.from(event.dataTransfer.files));
  };
  const onDragOver = (event: DragEvent<HTMLDivElement>) => {
    if (!accepting || !Array.from(event.dataTransfer.types).includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    setDragging(true);
  };

  const addFromUrl = () => {
    const target = url.trim();
    if (target === '' || urlBusy) return;
    if (room === 0) {
      notify(t('generation.references.full', { max: maxImages }));
      return;
    }
    setUrlBusy(true);
    uploadFromUrl(target, locale)
      .then(
        (upload) => {
          append(upload);
          setUrl('');
          setUrlOpen(false);
        },
        (error: unknown) =>
          notify(t('generation.references.failed', { name: target, message: messageOf(error) })),
      )
      .finally(() => setUrlBusy(false));
  };
  const onUrlKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault(); // not the generator's submit
      addFromUrl();
    } else if (event.key === 'Escape') {
      setUrlOpen(false);
    }
  };

  const remove = (uploadId: string) => {
    const next = latest.current.filter((upload) => upload.id !== uploadId);
    latest.current = next;
    onChange(next);
  };

  return (
    <div
      role="group"
      aria-labelledby={`${id}-label`}
      aria-describedby={`${id}-hint`}
      aria-busy={busy}
      data-testid="reference-images"
      className={cn(
        'grid gap-2 rounded-md border border-dashed p-3',
        dragging ? 'border-primary bg-accent' : 'border-input',
      )}
      onDragOver={onDragOver}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <span id={`${id}-label`} className="text-sm font-medium">
          {t('generation.references.label')}
        </span>
        <span className="text-xs text-muted-foreground tabular-nums" aria-live="polite">
          {t('generation.references.count', { count: value.length, max: maxImages })}
        </span>
      </div>
      <p id={`${id}-hint`} className="text-xs text-muted-foreground">
        {dragging ? t('generation.references.dropHere') : t('generation.references.hint', { max: maxImages })}
      </p>

      {value.length > 0 || pending.length > 0 ? (
        <ul className="grid grid-cols-[repeat(auto-fill,minmax(5rem,1fr))] gap-2">
          {value.map((upload) => (
            <li key={upload.id} className="relative" data-testid="reference-image">
              <img
                src={upload.thumbUrl}
                alt={upload.name}
                title={upload.name}
                width={80}
                height={80}
                className="aspect-square w-full rounded-md border bg-muted object-cover"
              />
              <Button
                variant="secondary"
                size="icon"
                className="absolute top-1 right-1 size-6! rounded-full p-0! text-xs"
                aria-label={t('generation.references.remove', { name: upload.name })}
                disabled={disabled}
                onClick={() => remove(upload.id)}
              >
                ×
              </Button>
            </li>
          ))}
          {pending.map((item) => (
            <li
              key={item.key}
              className="grid aspect-square content-center gap-1.5 rounded-md border bg-muted p-2 text-center"
            >
              <span className="truncate text-xs text-muted-foreground" title={item.name}>
                {t('generation.references.uploading', { name: item.name })}
              </span>
              <progress
                className="h-1.5 w-full accent-[var(--primary)]"
                max={1}
                {...(item.progress === null ? {} : { value: item.progress })}
                aria-label={t('generation.references.uploading', { name: item.name })}
              />
              <button
                type="button"
                className="text-xs underline underline-offset-2"
                onClick={() => item.controller.abort()}
              >
                {t('generation.references.cancel')}
              </button>
            </li>
          ))}
        </ul>
      ) : null}

      <div className="flex flex-wrap items-center gap-2">
        <input
          ref={fileInput}
          type="file"
          accept={ACCEPT_ATTRIBUTE}
          multiple
          hidden
          tabIndex={-1}
          onChange={(event) => {
            send(Array.from(event.target.files ?? []));
            event.target.value = ''; // the same file can be picked again
          }}
        />
        <Button
          variant="outline"
          size="sm"
          disabled={!accepting || room === 0}
          onClick={() => fileInput.current?.click()}
          data-testid="reference-images-pick"
        >
          {t('generation.references.add')}
        </Button>
        <Button
          variant="ghost"
          size="sm"
          disabled={!accepting}
          aria-expanded={urlOpen}
          aria-controls={`${id}-url`}
          onClick={() => setUrlOpen((open) => !open)}
        >
          {t('generation.references.fromUrl')}
        </Button>
      </div>

      {urlOpen ? (
        <div id={`${id}-url`} className="flex flex-wrap items-center gap-2">
          <label htmlFor={`${id}-url-input`} className="sr-only">
            {t('generation.references.urlLabel')}
          </label>
          <Input
            id={`${id}-url-input`}
            type="url"
            inputMode="url"
            autoComplete="off"
            placeholder="https://"
            className="min-w-0 flex-1"
            value={url}
            disabled={urlBusy}
            onChange={(event) => setUrl(event.target.value)}
            onKeyDown={onUrlKey}
          />
          <Button size="sm" disabled={urlBusy || url.trim() === ''} onClick={addFromUrl}>
            {urlBusy ? t('generation.references.fetching') : t('generation.references.urlAdd')}
          </Button>
        </div>
      ) : null}

      {notices.length > 0 ? (
        <ul className="grid gap-1" aria-live="assertive">
          {notices.map((notice) => (
            <li key={notice.key} className="flex items-start justify-between gap-2 text-sm text-destructive">
              <span>{notice.text}</span>
              <button
                type="button"
                className="shrink-0 text-xs text-muted-foreground underline underline-offset-2"
                onClick={() => setNotices((list) => list.filter((n) => n.key !== notice.key))}
              >
                {t('generation.references.dismiss')}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
