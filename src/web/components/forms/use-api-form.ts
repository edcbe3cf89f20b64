import { useState } from 'react';
import { ApiError } from '../../lib/api';
import { useI18n } from '../../lib/i18n';

/** Submission state of a form that posts JSON to the API: busy flag, form error, field errors. */
export function useApiForm() {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | undefined>();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});

  async function submit<T>(action: () => Promise<T>): Promise<T | undefined> {
    setBusy(true);
    setFormError(undefined);
    setFieldErrors({});
    try {
      return await action();
    } catch (error) {
      if (error instanceof ApiError) {
        const fields = Object.fromEntries(error.fields.map((f) => [f.field, f.message]));
        setFieldErrors(fields);
        setFormError(error.code === 'network' ? t('error.network') : error.message || t('error.internal'));
      } else {
        setFormError(t('error.internal'));
      }
      return undefined;
    } finally {
      setBusy(false);
    }
  }

  return { busy, formError, fieldErrors, submit };
}
