import type { Route } from './+types/privacy';
import { AppLink } from '../components/ui/app-link';
import { useI18n, useLocalePath } from '../lib/i18n';
import { pageMeta } from '../lib/meta';
import { pageMessages } from '../lib/messages.server';

export const meta: Route.MetaFunction = (args) =>
  pageMeta(args, { title: 'privacy.title', description: 'privacy.description' }, '/privacy');

export function loader({ params }: Route.LoaderArgs) {
  return { messages: pageMessages(params.lang, 'privacy') };
}

const LAST_UPDATED = '2026-11-28';

type SectionId =
  | 'controller'
  | 'data'
  | 'purposes'
  | 'recipients'
  | 'transfers'
  | 'retention'
  | 'security'
  | 'rights'
  | 'cookies'
  | 'children'
  | 'changes'
  | 'contact';

const sections: readonly { id: SectionId; links?: readonly ('contact' | 'cookies')[] }[] = [
  { id: 'controller', links: ['contact'] },
  { id: 'data' },
  { id: 'purposes' },
  { id: 'recipients' },
  { id: 'transfers' },
  { id: 'retention' },
  { id: 'security' },
  { id: 'rights', links: ['contact'] },
  { id: 'cookies', links: ['cookies'] },
  { id: 'children' },
  { id: 'changes' },
  { id: 'contact', links: ['contact'] },
];

/**
 * A message body is paragraphs separated by a blank line; a paragraph whose
 * lines all start with "- " is a bulleted list (so translators can write lists
 * without markup).
 */
function LegalBody({ text }: { text: string }) {
  return (
    <>
      {text.split('\n\n').map((block) => {
        const lines = block.split('\n');
        if (lines.every((line) => line.startsWith('- '))) {
          return (
            <ul key={block} className="list-disc space-y-1.5 pl-6">
              {lines.map((line) => (
                <li key={line}>{line.slice(2)}</li>
              ))}
            </ul>
          );
        }
        return <p key={block}>{block}</p>;
      })}
    </>
  );
}

export default function Privacy() {
  const { t } = useI18n();
  const localePath = useLocalePath();
  const link = 'font-medium text-primary underline underline-offset-4 hover:no-underline';

  return (
    <article className="mx-auto max-w-3xl px-4 py-12 sm:py-16">
      <header>
        <h1 className="text-3xl font-bold tracking-tight sm:text-4xl">{t('privacy.title')}</h1>
        <p className="mt-3 text-sm text-muted-foreground">
          <time dateTime={LAST_UPDATED}>{t('privacy.lastUpdated')}</time>
        </p>
        <div className="mt-6 space-y-4 text-lg text-muted-foreground">
          <LegalBody text={t('privacy.intro')} />
        </div>
      </header>

      <nav aria-labelledby="privacy-toc" className="tile mt-10">
        <h2 id="privacy-toc" className="font-semibold">
          {t('privacy.toc')}
        </h2>
        <ol className="mt-3 list-decimal gap-x-8 pl-5 text-sm sm:columns-2 [&>li]:mb-1.5 [&>li]:break-inside-avoid">
          {sections.map(({ id }) => (
            <li key={id}>
              <a href={`#${id}`} className="text-primary underline-offset-4 hover:underline">
                {t(`privacy.${id}.title`)}
              </a>
            </li>
          ))}
        </ol>
      </nav>

      {sections.map(({ id, links }, index) => (
        <section key={id} aria-labelledby={id} className="mt-10">
          <h2 id={id} className="scroll-mt-24 text-xl font-semibold sm:text-2xl">
            <span className="text-muted-foreground">{index + 1}. </span>
            {t(`privacy.${id}.title`)}
          </h2>
          <div className="mt-4 space-y-4 leading-relaxed">
            <LegalBody text={t(`privacy.${id}.body`)} />
            {links?.map((target) => (
              <p key={target}>
                <AppLink to={localePath(`/${target}`)} className={link}>
                  {t(`privacy.link.${target}`)}
                </AppLink>
              </p>
            ))}
          </div>
        </section>
      ))}
    </article>
  );
}
