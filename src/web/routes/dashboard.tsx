import { useRouteLoaderData } from 'react-router';
import type { Route } from './+types/dashboard';
import { Card } from '../components/ui/card';
import { useI18n } from '../lib/i18n';
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
  const member = useRouteLoaderData<typeof memberLoader>('routes/member-layout');
  const tiles = [
    { title: t('dashboard.generate.title'), body: t('dashboard.generate.body') },
    { title: t('dashboard.library.title'), body: t('dashboard.library.body') },
    { title: t('dashboard.credits.title'), body: t('dashboard.credits.body') },
  ];
  return (
    <div className="mx-auto max-w-6xl px-4 py-10">
      <h1 className="text-2xl font-bold" data-testid="dashboard-heading">
        {t('dashboard.welcome', { name: member?.user.name ?? '' })}
      </h1>
      <p className="mt-2 text-muted-foreground">{t('dashboard.intro')}</p>
      <div className="mt-8 grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {tiles.map((tile) => (
          <Card key={tile.title} className="p-6">
            <div className="flex items-center justify-between gap-2">
              <h2 className="font-semibold">{tile.title}</h2>
              <span className="rounded-full bg-accent px-2 py-0.5 text-xs text-accent-foreground">
                {t('dashboard.comingSoon')}
              </span>
            </div>
            <p className="mt-2 text-sm text-muted-foreground">{tile.body}</p>
          </Card>
        ))}
      </div>
    </div>
  );
}
