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

// Feature icons are CSS masks (app.css, .feature-icon-*): drawn in currentColor
// like inline SVG, but the stylesheet is cached while this page's HTML is not.
const features = [
  'providers',
  'refunds',
  'library',
  'compare',
  'prompt',
  'api',
  'languages',
  'privacy',
] as const;

const gallery = ['aurora', 'dunes', 'orbits', 'bloom', 'mosaic'] as const;
const heroImages = ['aurora', 'dunes', 'orbits'] as const;
const operatorPoints = ['oneCommand', 'keys', 'billing'] as const;

function SectionHeading({ id, title, intro }: { id: string; title: string; intro?: string }) {
  return (
    <div className="mx-auto max-w-2xl text-center">
      <h2 id={id} className="section-title scroll-mt-24">
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
              <div className="hero-shots mt-4 grid grid-cols-3 gap-2 sm:gap-3">
                {heroImages.map((name, index) => (
                  <div key={name}>
                    <img src={`/examples/${name}.svg`} alt="" width={512} height={512} className="thumb" />
                    <p>{heroModels[index]}</p>
                  </div>
                ))}
              </div>
              <p className="mt-4 flex items-center gap-2 text-sm text-success">
                <span aria-hidden="true" className="line-icon line-icon-check size-4" />
                {t('home.hero.mock.status')}
              </p>
            </Card>
            <figcaption className="mt-3 text-center text-xs text-muted-foreground">
              {t('home.hero.mock.caption')}
            </figcaption>
          </figure>
        </div>
      </section>

      <section aria-labelledby="how-it-works" className="section">
        <SectionHeading id="how-it-works" title={t('home.how.title')} intro={t('home.how.intro')} />
        <ol className="mt-10 grid gap-6 md:grid-cols-3">
          {steps.map((step, index) => (
            <li key={step} className="step">
              <span aria-hidden="true">{index + 1}</span>
              <h3>{t(`home.how.${step}.title`)}</h3>
              <p>{t(`home.how.${step}.body`)}</p>
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="features-title" className="border-y bg-muted">
        <div className="section">
          <SectionHeading
            id="features-title"
            title={t('home.features.title')}
            intro={t('home.features.intro')}
          />
          <ul className="mt-10 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            {features.map((id) => (
              <li key={id} className="tile">
                <span aria-hidden="true" className={`tile-icon feature-icon-${id}`} />
                <h3>{t(`home.features.${id}.title`)}</h3>
                <p>{t(`home.features.${id}.body`)}</p>
              </li>
            ))}
          </ul>
        </div>
      </section>

      <section aria-labelledby="gallery-title" className="section">
        <SectionHeading id="gallery-title" title={t('home.gallery.title')} intro={t('home.gallery.intro')} />
        <ul className="gallery mt-10 grid grid-cols-2 gap-3 sm:gap-4 md:grid-cols-3 lg:grid-cols-5">
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
                />
                <figcaption>{t(`home.gallery.${name}.title`)}</figcaption>
              </figure>
            </li>
          ))}
        </ul>
        <p className="mx-auto mt-6 max-w-2xl text-center text-sm text-muted-foreground">
          {t('home.gallery.note')}
        </p>
      </section>

      <section aria-labelledby="operators-title" className="border-y bg-muted">
        <div className="section grid gap-10 lg:grid-cols-5">
          <div className="lg:col-span-2">
            <p className="text-sm font-semibold text-primary">{t('home.operators.eyebrow')}</p>
            <h2 id="operators-title" className="section-title mt-2">
              {t('home.operators.title')}
            </h2>
            <p className="mt-3 text-muted-foreground">{t('home.operators.intro')}</p>
          </div>
          <ul className="grid gap-4 lg:col-span-3">
            {operatorPoints.map((point) => (
              <li key={point} className="tile">
                <h3>{t(`home.operators.${point}.title`)}</h3>
                <p>{t(`home.operators.${point}.body`)}</p>
              </li>
            ))}
          </ul>
        </div>
      </section>

      <section aria-labelledby="cta-title" className="section">
        <div className="rounded-2xl border bg-accent px-6 py-12 text-center text-accent-foreground sm:px-12">
          <h2 id="cta-title" className="section-title">
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
