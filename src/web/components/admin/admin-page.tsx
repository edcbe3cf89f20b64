/**
 * What every admin page has around its content: the page's heading and
 * introduction, and, for pages that fetch their data once per language,
 * the fetch with its failed flag and retry. Providers, Models and the
 * audit log share it so each admin page loads, fails and retries alike.
 */
import { useEffect, useState, type Dispatch, type ReactNode, type SetStateAction } from 'react';
import { useI18n } from '../../lib/i18n';

export function AdminPage({
  heading,
  intro,
  children,
}: {
  heading: string;
  intro: string;
  children: ReactNode;
}) {
  return (
    <div className="mt-6 grid grid-cols-1 gap-6">
      <div>
        <h1 className="text-2xl font-bold">{heading}</h1>
        <p className="mt-1 text-sm text-muted-foreground">{intro}</p>
      </div>
      {children}
    </div>
  );
}

export interface AdminData<T> {
  /** Null until the first load arrives; kept (and still shown) when a later one fails. */
  data: T | null;
  /** For saves that change what is shown without fetching again. */
  setData: Dispatch<SetStateAction<T | null>>;
  failed: boolean;
  retry: () => void;
}

/** Fetches with `load` once per language and again on each retry. `load` must be stable (module-level). */
export function useAdminData<T>(load: (locale: string) => Promise<T>): AdminData<T> {
  const { locale } = useI18n();
  const [data, setData] = useState<T | null>(null);
  const [failed, setFailed] = useState(false);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let active = true;
    load(locale).then(
      (loaded) => {
        if (!active) return;
        setData(loaded);
        setFailed(false);
      },
      () => {
        if (active) setFailed(true);
      },
    );
    return () => {
      active = false;
    };
  }, [load, locale, attempt]);

  return { data, setData, failed, retry: () => setAttempt((n) => n + 1) };
}
