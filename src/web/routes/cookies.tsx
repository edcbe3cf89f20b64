/** The cookie policy, generated from the cookie registry (the same list the platform enforces). */
import type { Route } from './+types/cookies';
import {
  consentCategories,
  cookieRegistry,
  COOKIE_POLICY_VERSION,
  type RegistryEntry,
} from '../../shared/cookie-registry';
import { Button } from '../components/ui/button';
import { useConsent } from '../lib/consent';
import { useI18n } from '../lib/i18n';
import { pageMeta } from '../lib/meta';
import { pageMessages } from '../lib/messages.server';
import type { Translator } from '../../i18n';

export const meta: Route.MetaFunction = (args) =>
  pageMeta(args, { title: 'cookies.title', description: 'cookies.description' }, '/cookies');

export function loader({ params }: Route.LoaderArgs) {
  return { messages: pageMessages(params.lang, 'cookies') };
}

const columns = ['name', 'type', 'purpose', 'lifetime', 'party'] as const;

export function lifetimeText(entry: RegistryEntry, t: Translator): string {
  if (entry.maxAgeSeconds === 'session') return t('cookies.lifetime.session');
  const hours = entry.maxAgeSeconds / 3600;
  return hours < 48
    ? t('cookies.lifetime.hours', { hours })
    : t('cookies.lifetime.days', { days: Math.round(hours / 24) });
}

export default function CookiePolicy() {
  const { t } = useI18n();
  const { openPreferences } = useConsent();
  return (
    <article className="mx-auto max-w-4xl px-4 py-12">
      <h1 className="text-3xl font-bold">{t('cookies.title')}</h1>
      <p className="mt-1 text-sm text-muted-foreground">
        {t('cookies.policyVersion', { version: COOKIE_POLICY_VERSION })}
      </p>
      <p className="mt-4">{t('cookies.intro')}</p>
      {consentCategories.map((category) => {
        const entries = cookieRegistry.filter((e) => e.category === category);
        return (
          <section key={category} className="mt-10" data-category={category}>
            <h2 className="text-xl font-semibold">
              {t('cookies.categoryHeading', { category: t(`consent.category.${category}`) })}
            </h2>
            <p className="mt-1 text-sm text-muted-foreground">
              {t(`consent.category.${category}.description`)}
            </p>
            {entries.length === 0 ? (
              <p className="mt-3 text-sm">{t('cookies.none')}</p>
            ) : (
              <div className="mt-3 overflow-x-auto rounded-md border">
                <table className="w-full text-left text-sm">
                  <thead className="bg-muted">
                    <tr>
                      {columns.map((column) => (
                        <th key={column} scope="col" className="p-3">
                          {t(`cookies.column.${column}`)}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {entries.map((entry) => (
                      <tr
                        key={`${entry.kind}:${entry.name}`}
                        className="border-t align-top"
                        data-registry-entry={`${entry.kind}:${entry.name}`}
                      >
                        <td className="p-3 font-mono text-xs break-all">{entry.name}</td>
                        <td className="p-3">{t(`cookies.kind.${entry.kind}`)}</td>
                        <td className="p-3">{t(entry.purpose)}</td>
                        <td className="p-3 whitespace-nowrap">{lifetimeText(entry, t)}</td>
                        <td className="p-3">{t(`cookies.party.${entry.party}`)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        );
      })}
      <section className="mt-10">
        <h2 className="text-xl font-semibold">{t('cookies.changeHeading')}</h2>
        <p className="mt-2">{t('cookies.changeBody')}</p>
        <Button variant="outline" className="mt-4" onClick={openPreferences}>
          {t('cookies.openSettings')}
        </Button>
      </section>
    </article>
  );
}
