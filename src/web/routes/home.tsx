import type { Route } from './+types/home';
import { AppLink } from '../components/ui/app-link';
import { Card } from '../components/ui/card';
import { buttonClasses } from '../components/ui/button';
import { useI18n, useLocalePath } from '../lib/i18n';
import { pageMeta } from '../lib/meta';
import { pageMessages } from '../lib/messages.server';

export const meta: Route.MetaFunction = (args) =>
  pageMeta(args, { title: 'home.title', description: 'home.description' }, '');

export function loader({ params }: Route.LoaderArgs) {
  return { messages: pageMessages(params.lang, 'home') };
}

const steps = ['describe', 'pick', 'keep'] as const;

// Icons are drawn inline (24px grid, stroked with currentColor) so the page needs no icon library.
const features = [
  { id: 'providers', icon: ['M12 3 3 7.5l9 4.5 9-4.5L12 3Z', 'm3 12 9 4.5 9-4.5', 'm3 16.5 9 4.5 9-4.5'] },
  { id: 'refunds', icon: ['M3.5 12a8.5 8.5 0 1 0 2.6-6.1', 'M3.5 4v4.5H8', 'm8.5 12 2.5 2.5 4.5-4.5'] },
  { id: 'library', icon: ['M4 5h16v14H4z', 'm4 16 5-5 4 4 2-2 5 5', 'M15.5 9h.01'] },
  { id: 'compare', icon: ['M4 4h7v16H4z', 'M13 4h7v16h-7z'] },
  {
    id: 'prompt',
    icon: [
      'M11 3l1.8 4.7 4.7 1.8-4.7 1.8L11 16l-1.8-4.7L4.5 9.5l4.7-1.8L11 3Z',
      'M18.5 14.5l.8 2.2 2.2.8-2.2.8-.8 2.2-.8-2.2-2.2-.8 2.2-.8.8-2.2Z',
    ],
  },
  { id: 'api', icon: ['m8 8-4 4 4 4', 'm16 8 4 4-4 4', 'm13.5 5-3 14'] },
  {
    id: 'languages',
    icon: [
      'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18Z',
      'M3 12h18',
      'M12 3c2.4 2.6 3.6 5.6 3.6 9s-1.2 6.4-3.6 9c-2.4-2.6-3.6-5.6-3.6-9S9.6 5.6 12 3Z',
    ],
  },
  { id: 'privacy', icon: ['M6 11h12v10H6z', 'M8.5 11V7.5a3.5 3.5 0 0 1 7 0V11', 'M12 15v2'] },
] as const;

const gallery = ['aurora', 'dunes', 'orbits', 'bloom', 'mosaic'] as const;
const heroImages = ['aurora', 'dunes', 'orbits'] as const;
const operatorPoints = ['oneCommand', 'keys', 'billing'] as const;

function Icon({ paths }: { paths: readonly string[] }) {
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" className="icon size-5">
      {paths.map((d) => (
        <path key={d} d={d} />
      ))}
    </svg>
  );
}

function SectionHeading({ id, title, intro }: { id: string; title: string; intro?: string }) {
  return (
    <div className="mx-auto max-w-2xl text-center">
      <h2 id={id} className="scroll-mt-24 text-2xl font-bold tracking-tight sm:text-3xl">
        {title}
      </h2>
      {intro ? <p className="mt-3 text-muted-foreground">{intro}</p> : null}
    </div>
  );
}

export default function Home() {
  const { t } = useI18n();
  const localePath = useLocalePath();
  const heroModels = t('home.hero.mock.models').split(/\s*[,，、]\s*/);

  return (
    <>
      <section aria-labelledby="hero-title" className="relative overflow-hidden border-b">
        <div
          aria-hidden="true"
          className="pointer-events-none absolute inset-0 bg-linear-to-b from-accent/70 via-background to-background"
        />
        <div className="relative mx-auto grid max-w-6xl items-center gap-12 px-4 py-16 sm:py-24 lg:grid-cols-2">
          <div>
            <p className="inline-flex rounded-full border bg-card px-3 py-1 text-sm font-medium text-muted-foreground">
              {t('home.hero.eyebrow')}
            </p>
            <h1 id="hero-title" className="mt-5 text-4xl font-bold tracking-tight text-balance sm:text-5xl">
              {t('home.hero.title')} <span className="text-primary">{t('home.hero.titleHighlight')}</span>
            </h1>
            <p className="mt-5 max-w-xl text-lg text-muted-foreground">{t('home.hero.subtitle')}</p>
            <div className="mt-8 flex flex-wrap gap-3">
              <AppLink to={localePath('/sign-up')} className={buttonClasses('primary', 'lg')}>
                {t('home.hero.cta')}
              </AppLink>
              <a href="#how-it-works" className={buttonClasses('outline', 'lg')}>
                {t('home.hero.secondary')}
              </a>
            </div>
            <p className="mt-4 text-sm text-muted-foreground">{t('home.hero.note')}</p>
          </div>

          <figure className="mx-auto w-full max-w-lg">
            <Card aria-hidden="true" className="p-4 shadow-lg sm:p-5">
              <p className="text-xs font-semibold tracking-wide text-muted-foreground uppercase">
                {t('home.hero.mock.promptLabel')}
              </p>
              <p className="mt-2 rounded-md border bg-background px-3 py-2 text-sm">
                {t('home.hero.mock.prompt')}
              </p>
              <div className="mt-4 grid grid-cols-3 gap-2 sm:gap-3">
                {heroImages.map((name, index) => (
                  <div key={name}>
                    <img
                      src={`/examples/${name}.svg`}
                      alt=""
                      width={512}
                      height={512}
                      className="aspect-square w-full rounded-md bg-muted object-cover"
                    />
                    <p className="mt-1.5 truncate text-center text-xs text-muted-foreground">
                      {heroModels[index]}
                    </p>
                  </div>
                ))}
              </div>
              <p className="mt-4 flex items-center gap-2 text-sm text-success">
                <svg
                  viewBox="0 0 24 24"
                  className="size-4"
                  fill="none"
                  stroke="currentColor"
                  strokeWidth="2"
                  strokeLinecap="round"
                  strokeLinejoin="round"
                >
                  <path d="m5 12.5 4.5 4.5L19 7.5" />
                </svg>
                {t('home.hero.mock.status')}
              </p>
            </Card>
            <figcaption className="mt-3 text-center text-xs text-muted-foreground">
              {t('home.hero.mock.caption')}
            </figcaption>
          </figure>
        </div>
      </section>

      <section aria-labelledby="how-it-works" className="mx-auto max-w-6xl px-4 py-16 sm:py-20">
        <SectionHeading id="how-it-works" title={t('home.how.title')} intro={t('home.how.intro')} />
        <ol className="mt-10 grid gap-6 md:grid-cols-3">
          {steps.map((step, index) => (
            <li key={step} className="relative rounded-lg border bg-card p-6">
              <span
                aria-hidden="true"
                className="flex size-9 items-center justify-center rounded-full bg-primary text-sm font-semibold text-primary-foreground"
              >
                {index + 1}
              </span>
              <h3 className="mt-4 text-lg font-semibold">{t(`home.how.${step}.title`)}</h3>
              <p className="mt-2 text-muted-foreground">{t(`home.how.${step}.body`)}</p>
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="features-title" className="border-y bg-muted">
        <div className="mx-auto max-w-6xl px-4 py-16 sm:py-20">
          <SectionHeading
            id="features-title"
            title={t('home.features.title')}
            intro={t('home.features.intro')}
          />
          <ul className="mt-10 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            {features.map(({ id, icon }) => (
              <li key={id} className="rounded-lg border bg-card p-5 text-card-foreground">
                <span className="flex size-10 items-center justify-center rounded-md bg-accent text-accent-foreground">
                  <Icon paths={icon} />
                </span>
                <h3 className="mt-4 font-semibold">{t(`home.features.${id}.title`)}</h3>
                <p className="mt-2 text-sm text-muted-foreground">{t(`home.features.${id}.body`)}</p>
              </li>
            ))}
          </ul>
        </div>
      </section>

      <section aria-labelledby="gallery-title" className="mx-auto max-w-6xl px-4 py-16 sm:py-20">
        <SectionHeading id="gallery-title" title={t('home.gallery.title')} intro={t('home.gallery.intro')} />
        <ul className="mt-10 grid grid-cols-2 gap-3 sm:gap-4 md:grid-cols-3 lg:grid-cols-5">
          {gallery.map((name) => (
            <li key={name}>
              <figure>
                <img
                  src={`/examples/${name}.svg`}
                  alt={t(`home.gallery.${name}.alt`)}
                  width={512}
                  height={512}
                  loading="lazy"
                  decoding="async"
                  className="aspect-square w-full rounded-lg border bg-muted object-cover"
                />
                <figcaption className="mt-2 text-sm font-medium">
                  {t(`home.gallery.${name}.title`)}
                </figcaption>
              </figure>
            </li>
          ))}
        </ul>
        <p className="mx-auto mt-6 max-w-2xl text-center text-sm text-muted-foreground">
          {t('home.gallery.note')}
        </p>
      </section>

      <section aria-labelledby="operators-title" className="border-y bg-muted">
        <div className="mx-auto grid max-w-6xl gap-10 px-4 py-16 sm:py-20 lg:grid-cols-5">
          <div className="lg:col-span-2">
            <p className="text-sm font-semibold text-primary">{t('home.operators.eyebrow')}</p>
            <h2 id="operators-title" className="mt-2 text-2xl font-bold tracking-tight sm:text-3xl">
              {t('home.operators.title')}
            </h2>
            <p className="mt-3 text-muted-foreground">{t('home.operators.intro')}</p>
          </div>
          <ul className="grid gap-4 lg:col-span-3">
            {operatorPoints.map((point) => (
              <li key={point} className="rounded-lg border bg-card p-5 text-card-foreground">
                <h3 className="font-semibold">{t(`home.operators.${point}.title`)}</h3>
                <p className="mt-1.5 text-sm text-muted-foreground">{t(`home.operators.${point}.body`)}</p>
              </li>
            ))}
          </ul>
        </div>
      </section>

      <section aria-labelledby="cta-title" className="mx-auto max-w-6xl px-4 py-16 sm:py-20">
        <div className="rounded-2xl border bg-accent px-6 py-12 text-center text-accent-foreground sm:px-12">
          <h2 id="cta-title" className="text-2xl font-bold tracking-tight sm:text-3xl">
            {t('home.cta.title')}
          </h2>
          <p className="mx-auto mt-3 max-w-xl">{t('home.cta.body')}</p>
          <div className="mt-8 flex flex-wrap justify-center gap-3">
            <AppLink to={localePath('/sign-up')} className={buttonClasses('primary', 'lg')}>
              {t('home.hero.cta')}
            </AppLink>
            <AppLink to={localePath('/faq')} className={buttonClasses('outline', 'lg')}>
              {t('home.cta.faq')}
            </AppLink>
          </div>
        </div>
      </section>
    </>
  );
}
