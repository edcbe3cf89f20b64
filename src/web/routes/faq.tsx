import type { ReactNode } from 'react';
import { AppLink } from '../components/ui/app-link';

import type { Route } from './+types/faq';
import { useI18n, useLocalePath } from '../lib/i18n';
import { pageMeta } from '../lib/meta';
import { pageMessages } from '../lib/messages.server';

export const meta: Route.MetaFunction = (args) =>
  pageMeta(args, { title: 'faq.title', description: 'faq.description' }, '/faq');

export function loader({ params }: Route.LoaderArgs) {
  return { messages: pageMessages(params.lang, 'faq') };
}

type LinkTarget = 'privacy' | 'cookies' | 'contact';
type GroupId = 'billing' | 'generation' | 'privacy' | 'account';
type QuestionId =
  | 'credits'
  | 'failed'
  | 'buy'
  | 'expire'
  | 'models'
  | 'preview'
  | 'compare'
  | 'chinese'
  | 'api'
  | 'visibility'
  | 'storage'
  | 'cookies'
  | 'data'
  | 'operator';

interface Group {
  id: GroupId;
  questions: readonly { id: QuestionId; links?: readonly LinkTarget[] }[];
}

const groups: readonly Group[] = [
  { id: 'billing', questions: [{ id: 'credits' }, { id: 'failed' }, { id: 'buy' }, { id: 'expire' }] },
  {
    id: 'generation',
    questions: [{ id: 'models' }, { id: 'preview' }, { id: 'compare' }, { id: 'chinese' }, { id: 'api' }],
  },
  {
    id: 'privacy',
    questions: [
      { id: 'visibility', links: ['privacy'] },
      { id: 'storage' },
      { id: 'cookies', links: ['cookies'] },
    ],
  },
  {
    id: 'account',
    questions: [
      { id: 'data', links: ['contact', 'privacy'] },
      { id: 'operator', links: ['contact'] },
    ],
  },
];

/** Replaces one `{name}` placeholder in a translated sentence with a React node (a link). */
function withNode(template: string, name: string, node: ReactNode): ReactNode {
  const [before, after] = template.split(`{${name}}`);
  if (after === undefined) return template;
  return (
    <>
      {before}
      {node}
      {after}
    </>
  );
}

export default function Faq() {
  const { t } = useI18n();
  const localePath = useLocalePath();
  const link = 'font-medium text-primary underline underline-offset-4 hover:no-underline';

  return (
    <div className="mx-auto max-w-3xl px-4 py-12 sm:py-16">
      <h1 className="text-3xl font-bold tracking-tight sm:text-4xl">{t('faq.title')}</h1>
      <p className="mt-4 text-lg text-muted-foreground">
        {withNode(
          t('faq.intro'),
          'contact',
          <AppLink to={localePath('/contact')} className={link}>
            {t('faq.contactLink')}
          </AppLink>,
        )}
      </p>

      <nav aria-labelledby="faq-topics" className="mt-8">
        <h2 id="faq-topics" className="sr-only">
          {t('faq.topics')}
        </h2>
        <ul className="flex flex-wrap gap-2">
          {groups.map((group) => (
            <li key={group.id}>
              <a
                href={`#faq-${group.id}`}
                className="inline-flex rounded-full border bg-card px-3 py-1.5 text-sm hover:bg-accent hover:text-accent-foreground"
              >
                {t(`faq.group.${group.id}`)}
              </a>
            </li>
          ))}
        </ul>
      </nav>

      {groups.map((group) => (
        <section key={group.id} aria-labelledby={`faq-${group.id}`} className="mt-12">
          <h2 id={`faq-${group.id}`} className="scroll-mt-24 text-xl font-semibold sm:text-2xl">
            {t(`faq.group.${group.id}`)}
          </h2>
          <div className="mt-4 divide-y rounded-lg border bg-card text-card-foreground">
            {group.questions.map((question) => (
              <details key={question.id} className="group">
                <summary className="flex cursor-pointer list-none items-start justify-between gap-4 rounded-lg px-5 py-4 font-medium hover:bg-accent hover:text-accent-foreground [&::-webkit-details-marker]:hidden">
                  <span>{t(`faq.${question.id}.q`)}</span>
                  <svg
                    aria-hidden="true"
                    viewBox="0 0 24 24"
                    className="mt-0.5 size-5 shrink-0 text-muted-foreground transition-transform group-open:rotate-180"
                    fill="none"
                    stroke="currentColor"
                    strokeWidth="2"
                    strokeLinecap="round"
                    strokeLinejoin="round"
                  >
                    <path d="m6 9 6 6 6-6" />
                  </svg>
                </summary>
                <div className="space-y-3 px-5 pb-5 text-muted-foreground">
                  {t(`faq.${question.id}.a`)
                    .split('\n\n')
                    .map((paragraph) => (
                      <p key={paragraph}>{paragraph}</p>
                    ))}
                  {question.links?.length ? (
                    <p className="flex flex-wrap gap-x-5 gap-y-1">
                      {question.links.map((target) => (
                        <AppLink key={target} to={localePath(`/${target}`)} className={link}>
                          {t(`faq.link.${target}`)}
                        </AppLink>
                      ))}
                    </p>
                  ) : null}
                </div>
              </details>
            ))}
          </div>
        </section>
      ))}
    </div>
  );
}
