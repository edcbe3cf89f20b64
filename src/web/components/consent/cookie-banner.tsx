/**
 * The consent banner's first layer and the preferences dialog.
 *
 * First layer: Accept all, Reject all and Customize are the same element with
 * the same style and size (no nudging), in one row on wide screens. The
 * banner does not block the page: silence means refusal.
 * Preferences: optional categories start unticked (or as last chosen);
 * essential is shown as always on. A native <dialog> gives focus trapping
 * and Escape for free.
 */
import { useEffect, useRef, useState } from 'react';
import { AppLink } from '../ui/app-link';

import { optionalCategories, type OptionalCategory } from '../../../shared/cookie-registry';
import { useConsent } from '../../lib/consent';
import { useI18n, useLocalePath } from '../../lib/i18n';
import { Button } from '../ui/button';

const choiceButton = 'w-full sm:w-auto sm:min-w-40';

export function CookieBanner() {
  const { ready, consent, preferencesOpen, openPreferences, choose } = useConsent();
  const { t } = useI18n();
  const localePath = useLocalePath();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  if (!ready || consent || preferencesOpen) return null;

  const run = (action: 'accept_all' | 'reject_all') => {
    setBusy(true);
    setFailed(false);
    choose(action).then(
      () => setBusy(false),
      () => {
        setBusy(false);
        setFailed(true);
      },
    );
  };

  return (
    <section
      role="dialog"
      aria-modal="false"
      aria-labelledby="cookie-banner-title"
      aria-describedby="cookie-banner-body"
      data-testid="cookie-banner"
      className="fixed inset-x-0 bottom-0 z-40 border-t bg-card p-4 text-card-foreground shadow-lg sm:inset-x-4 sm:bottom-4 sm:rounded-lg sm:border"
    >
      <div className="mx-auto flex max-w-5xl flex-col gap-3 lg:flex-row lg:items-center lg:gap-6">
        <div className="flex-1">
          <h2 id="cookie-banner-title" className="font-semibold">
            {t('consent.banner.title')}
          </h2>
          <p id="cookie-banner-body" className="mt-1 text-sm text-muted-foreground">
            {t('consent.banner.body')}{' '}
            <AppLink to={localePath('/cookies')} className="underline underline-offset-2">
              {t('consent.policyLink')}
            </AppLink>
          </p>
          {failed ? (
            <p role="alert" className="mt-2 text-sm text-destructive">
              {t('consent.saveFailed')}
            </p>
          ) : null}
        </div>
        <div className="flex flex-col gap-2 sm:flex-row">
          <Button
            variant="secondary"
            className={choiceButton}
            disabled={busy}
            onClick={() => run('accept_all')}
          >
            {t('consent.acceptAll')}
          </Button>
          <Button
            variant="secondary"
            className={choiceButton}
            disabled={busy}
            onClick={() => run('reject_all')}
          >
            {t('consent.rejectAll')}
          </Button>
          <Button variant="secondary" className={choiceButton} disabled={busy} onClick={openPreferences}>
            {t('consent.customize')}
          </Button>
        </div>
      </div>
    </section>
  );
}

/** Mounted on first use only: most visitors never open it, and the server need not render it. */
export function CookiePreferencesDialog() {
  const { preferencesOpen } = useConsent();
  const [opened, setOpened] = useState(false);
  if (preferencesOpen && !opened) setOpened(true);
  return opened ? <PreferencesDialog /> : null;
}

function PreferencesDialog() {
  const { consent, preferencesOpen, closePreferences, choose } = useConsent();
  const { t } = useI18n();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [selected, setSelected] = useState<OptionalCategory[]>([]);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (preferencesOpen && !dialog.open) {
      setSelected(consent?.granted ?? []);
      setFailed(false);
      dialog.showModal();
    } else if (!preferencesOpen && dialog.open) {
      dialog.close();
    }
  }, [preferencesOpen, consent]);

  const hadOptional = (consent?.granted.length ?? 0) > 0;
  const run = (
    action: 'accept_all' | 'reject_all' | 'custom' | 'withdraw',
    categories?: OptionalCategory[],
  ) => {
    setBusy(true);
    setFailed(false);
    choose(action, categories).then(
      () => setBusy(false),
      () => {
        setBusy(false);
        setFailed(true);
      },
    );
  };

  return (
    <dialog
      ref={dialogRef}
      aria-labelledby="cookie-preferences-title"
      data-testid="cookie-preferences"
      onClose={closePreferences}
      className="m-auto w-[min(40rem,calc(100vw-2rem))] rounded-lg border bg-card p-0 text-card-foreground shadow-xl backdrop:bg-black/50"
    >
      <form
        method="dialog"
        className="grid gap-4 p-6"
        onSubmit={(event) => {
          event.preventDefault();
          run('custom', selected);
        }}
      >
        <div>
          <h2 id="cookie-preferences-title" className="text-lg font-semibold">
            {t('consent.preferences.title')}
          </h2>
          <p className="mt-1 text-sm text-muted-foreground">{t('consent.preferences.body')}</p>
        </div>
        <fieldset className="grid gap-3">
          <legend className="sr-only">{t('consent.preferences.title')}</legend>
          <label className="flex items-start gap-3 rounded-md border p-3">
            <input type="checkbox" checked disabled className="mt-1 size-4" />
            <span>
              <span className="font-medium">{t('consent.category.essential')}</span>{' '}
              <span className="text-xs text-muted-foreground">({t('consent.alwaysOn')})</span>
              <span className="block text-sm text-muted-foreground">
                {t('consent.category.essential.description')}
              </span>
            </span>
          </label>
          {optionalCategories.map((category) => (
            <label key={category} className="flex items-start gap-3 rounded-md border p-3">
              <input
                type="checkbox"
                name={category}
                className="mt-1 size-4"
                checked={selected.includes(category)}
                onChange={(event) =>
                  setSelected((current) =>
                    event.target.checked ? [...current, category] : current.filter((c) => c !== category),
                  )
                }
              />
              <span>
                <span className="font-medium">{t(`consent.category.${category}`)}</span>
                <span className="block text-sm text-muted-foreground">
                  {t(`consent.category.${category}.description`)}
                </span>
              </span>
            </label>
          ))}
        </fieldset>
        {failed ? (
          <p role="alert" className="text-sm text-destructive">
            {t('consent.saveFailed')}
          </p>
        ) : null}
        <div className="flex flex-col gap-2 sm:flex-row sm:justify-end">
          <Button
            variant="secondary"
            disabled={busy}
            onClick={() => run(hadOptional ? 'withdraw' : 'reject_all')}
          >
            {t('consent.rejectAll')}
          </Button>
          <Button variant="secondary" disabled={busy} onClick={() => run('accept_all')}>
            {t('consent.acceptAll')}
          </Button>
          <Button variant="primary" type="submit" disabled={busy}>
            {t('consent.save')}
          </Button>
        </div>
      </form>
    </dialog>
  );
}
