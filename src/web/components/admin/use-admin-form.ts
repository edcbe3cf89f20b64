/**
 * Submission state of one admin form: busy, the form's error, errors by
 * field (the API's field paths, e.g. `routes.0.providerModelId`) and the
 * success line shown after a save. Like forms/use-api-form.ts, plus
 * problems found before sending, and field errors the form has no place
 * for folded into the form's error so none is lost.
 */
import { useCallback, useRef, useState } from 'react';
import type { MessageKey } from '../../../i18n';
import { ApiError } from '../../lib/api';
import { formatNumber } from '../../lib/count-text';
import { useI18n } from '../../lib/i18n';
import type { Problems } from './model-draft';

export interface AdminForm {
  busy: boolean;
  formError: string | undefined;
  fieldErrors: Record<string, string>;
  success: string | undefined;
  /** Runs `action`; on success shows `success`, on an API error its texts. */
  run: <T>(
    action: () => Promise<T>,
    options: { success: string | ((result: T) => string); shows?: (field: string) => boolean },
  ) => Promise<T | undefined>;
  /** Shows problems found before sending, and `message` (else "fix the fields") as the form's error. */
  reject: (problems: Problems, message?: MessageKey) => void;
  clear: () => void;
}

export function useAdminForm(): AdminForm {
  const { t, locale } = useI18n();
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | undefined>();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [success, setSuccess] = useState<string | undefined>();
  const running = useRef(false);

  const clear = useCallback(() => {
    setFormError(undefined);
    setFieldErrors({});
    setSuccess(undefined);
  }, []);

  const reject = useCallback(
    (problems: Problems, message: MessageKey = 'admin.fixFields') => {
      // Numbers in messages ("at most 100,000") in the page's language.
      const text = ({ key, vars }: Problems[string]) =>
        t(
          key,
          vars &&
            Object.fromEntries(
              Object.entries(vars).map(([name, value]) => [
                name,
                typeof value === 'number' ? formatNumber(locale, value) : value,
              ]),
            ),
        );
      setSuccess(undefined);
      setFieldErrors(
        Object.fromEntries(Object.entries(problems).map(([field, problem]) => [field, text(problem)])),
      );
      setFormError(t(message));
    },
    [t, locale],
  );

  const run = useCallback(
    async <T>(
      action: () => Promise<T>,
      options: { success: string | ((result: T) => string); shows?: (field: string) => boolean },
    ): Promise<T | undefined> => {
      if (running.current) return undefined;
      running.current = true;
      setBusy(true);
      clear();
      try {
        const result = await action();
        setSuccess(typeof options.success === 'string' ? options.success : options.success(result));
        return result;
      } catch (error) {
        if (!(error instanceof ApiError) || error.code === 'network') {
          setFormError(t(error instanceof ApiError ? 'error.network' : 'error.internal'));
          return undefined;
        }
        const shows = options.shows ?? (() => true);
        setFieldErrors(
          Object.fromEntries(error.fields.filter((f) => shows(f.field)).map((f) => [f.field, f.message])),
        );
        const others = error.fields.filter((f) => !shows(f.field)).map((f) => `${f.field}: ${f.message}`);
        setFormError([error.message || t('error.internal'), ...others].join(' '));
        return undefined;
      } finally {
        running.current = false;
        setBusy(false);
      }
    },
    [clear, t],
  );

  return { busy, formError, fieldErrors, success, run, reject, clear };
}
