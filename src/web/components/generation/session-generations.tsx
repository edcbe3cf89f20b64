/**
 * The generator page's second column: the generations submitted from this
 * tab as cards, each offering to reuse its settings or its seed, with a link
 * to the full history.
 */
import { AppLink } from '../ui/app-link';
import { Button } from '../ui/button';
import { useI18n, useLocalePath } from '../../lib/i18n';
import { seedOf } from './form-state';
import { GenerationCard } from './generation-card';
import type { Generation } from './types';
import type { SessionItem } from './use-session-generations';

export interface SessionGenerationsProps {
  session: SessionItem[];
  /** Called once when a generation that was running here ends. */
  onSettled: (generation: Generation) => void;
  /** Opens the lightbox at an image. */
  onOpen: (generation: Generation, index: number) => void;
  onReuseSettings: (generation: Generation) => void;
  onReuseSeed: (generation: Generation, seed: number) => void;
}

export function SessionGenerations({
  session,
  onSettled,
  onOpen,
  onReuseSettings,
  onReuseSeed,
}: SessionGenerationsProps) {
  const { t } = useI18n();
  const localePath = useLocalePath();
  return (
    <section aria-labelledby="session-heading" className="min-w-0">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="session-heading" className="text-lg font-semibold">
          {t('generate.session.heading')}
        </h2>
        <AppLink to={localePath('/history')} className="text-sm text-primary underline underline-offset-4">
          {t('generate.session.history')}
        </AppLink>
      </div>
      {session.length === 0 ? (
        <p className="mt-4 rounded-lg border border-dashed p-8 text-center text-sm text-muted-foreground">
          {t('generate.session.empty')}
        </p>
      ) : (
        <ul className="mt-4 grid gap-4" data-testid="session-generations">
          {session.map((item) => (
            <li key={item.generation.id}>
              <GenerationCard
                initial={item.generation}
                localStart={item.localStart}
                variant="session"
                onSettled={onSettled}
                onOpen={onOpen}
                actions={(generation) => {
                  const seed = seedOf(generation);
                  return (
                    <>
                      <Button variant="outline" size="sm" onClick={() => onReuseSettings(generation)}>
                        {t('generation.reuseSettings')}
                      </Button>
                      {seed !== null ? (
                        <Button variant="ghost" size="sm" onClick={() => onReuseSeed(generation, seed)}>
                          {t('generation.reuseSeed')}
                        </Button>
                      ) : null}
                    </>
                  );
                }}
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
