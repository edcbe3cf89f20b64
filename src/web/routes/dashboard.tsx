import { useRouteLoaderData } from 'react-router';
import type { Route } from './+types/dashboard';
import { AppLink } from '../components/ui/app-link';
import { useI18n, useLocalePath } from '../lib/i18n';
import { pageMeta } from '../lib/meta';
import { pageMessages } from '../lib/messages.server';
import type { loader as memberLoader } from './member-layout';

export const meta: Route.MetaFunction = (args) => [
  ...pageMeta(args, { title: 'dashboard.title', description: 'dashboard.description' }, '/dashboard'),
  { name: 'robots', content: 'noindex' },
];

export function loader({ params }: Route.LoaderArgs) {
  return { messages: pageMessages(params.lang, 'dashboard') };
}

export default function Dashboard() {
  const { t } = useI18n();
  const localePath = useLocalePath();
  const member = useRouteLoaderData<typeof memberLoader>('routes/member-layout');
  const tiles = [
    { path: '/generate', title: t('dashboard.generate.title'), body: t('dashboard.generate.body') },
    { path: '/history', title: t('dashboard.history.title'), body: t('dashboard.history.body') },
    { path: '/credits', title: t('dashboard.credits.title'), body: t('dashboard.credits.body') },
  ];
  return (
    <div className="mx-auto max-w-6xl px-4 py-10">
      <h1 className="text-2xl font-bold" data-testid="dashboard-heading">
        {t('dashboard.welcome', { name: member?.user.name ?? '' })}
      </h1>
      <p className="mt-2 text-muted-foreground">{t('dashboard.intro')}</p>
      <div className="mt-8 grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {tiles.map((tile) => (
          <AppLink
            key={tile.path}
            to={localePath(tile.path)}
            className="group rounded-lg border bg-card p-6 text-card-foreground shadow-sm transition-colors hover:border-primary"
          >
            <h2 className="flex items-center justify-between gap-2 font-semibold">
              {tile.title}
              <span
                aria-hidden
                className="text-muted-foreground transition-transform group-hover:translate-x-0.5"
              >
                →
              </span>
            </h2>
            <p className="mt-2 text-sm text-muted-foreground">{tile.body}</p>
          </AppLink>
        ))}
      </div>
    </div>
  );
}
