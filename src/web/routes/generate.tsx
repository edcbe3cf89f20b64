import { useCallback, useEffect, useRef, useState } from 'react';
import { useRouteLoaderData, useSearchParams } from 'react-router';
import type { Route } from './+types/generate';
import {
  createGeneration,
  getGeneration,
  getGeneratorSettings,
  listModels,
  newIdempotencyKey,
  saveGeneratorSettings,
} from '../components/generation/api';
import {
  findModel,
  formFromGeneration,
  formProblems,
  formWithSeed,
  idempotencyKeyFor,
  initialForm,
  MAX_SEED,
  provisionalGeneration,
  seedOf,
  toRequest,
  toSettings,
  type FormProblem,
  type GeneratorForm,
} from '../components/generation/form-state';
import { FormSkeleton } from '../components/generation/form-skeleton';
import { formatNumber } from '../components/generation/format';
import { GeneratorFormFields } from '../components/generation/generator-form';
import { Lightbox } from '../components/generation/lightbox';
import { SessionGenerations } from '../components/generation/session-generations';
import type { Generation, GeneratorSettings, PublicModel } from '../components/generation/types';
import { PageNotice, type Notice } from '../components/generation/page-notice';
import { ReferenceImages } from '../components/generation/reference-images';
import type { Upload } from '../components/generation/uploads-api';
import { PromptAssist } from '../components/generation/prompt-assist';
import { rememberPromptDraft, withPromptDraft } from '../components/generation/prompt-draft';
import { SubmitErrorBanner, submitErrorOf, type SubmitError } from '../components/generation/submit-parts';
import { useSessionGenerations } from '../components/generation/use-session-generations';
import { AppLink } from '../components/ui/app-link';
import { Button } from '../components/ui/button';
import { Alert, Card } from '../components/ui/card';
import { LoadFailed } from '../components/ui/load-states';
import { ApiError } from '../lib/api';
import { refreshCreditBalance, useKnownCreditBalance } from '../lib/credit-balance';
import { useI18n, useLocalePath } from '../lib/i18n';
import { pageMeta } from '../lib/meta';
import { pageMessages } from '../lib/messages.server';
import type { loader as memberLoader } from './member-layout';

export const meta: Route.MetaFunction = (args) => [
  ...pageMeta(args, { title: 'generate.title', description: 'generate.description' }, '/generate'),
  { name: 'robots', content: 'noindex' },
];

export function loader({ params }: Route.LoaderArgs) {
  return { messages: pageMessages(params.lang, 'generate') };
}

interface Boot {
  models: PublicModel[];
  settings: GeneratorSettings | null;
}

/** The models (required) and the remembered settings (optional: without them the defaults apply). */
function loadBoot(locale: string): Promise<Boot> {
  return Promise.all([listModels(locale), getGeneratorSettings(locale).catch(() => null)]).then(
    ([models, settings]) => ({ models, settings }),
  );
}

/** Fields the form shows errors beside; others go into the banner. */
const formFields = new Set([
  'prompt',
  'modelId',
  'size',
  'aspectRatio',
  'resolution',
  'n',
  'seed',
  'negativePrompt',
  'referenceUploadIds',
]);

export default function Generate() {
  const { t, locale } = useI18n();
  const localePath = useLocalePath();
  const [params] = useSearchParams();
  const from = params.get('from');
  const balance = useKnownCreditBalance();
  const owner = useRouteLoaderData<typeof memberLoader>('routes/member-layout')?.user.email ?? '';

  const [models, setModels] = useState<PublicModel[] | null>(null);
  const [loadFailed, setLoadFailed] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const [form, setForm] = useState<GeneratorForm | null>(null);
  const [busy, setBusy] = useState(false);
  const [references, setReferences] = useState<Upload[]>([]);
  const [uploading, setUploading] = useState(false);
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [formError, setFormError] = useState<SubmitError | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const { session, add: addToSession, update: updateInSession } = useSessionGenerations(owner);
  const [lightbox, setLightbox] = useState<{ generation: Generation; index: number } | null>(null);
  const [focusRequest, setFocusRequest] = useState<{ field: 'prompt' | 'seed'; n: number } | null>(null);

  const boot = useRef<{ locale: string; attempt: number; promise: Promise<Boot> } | null>(null);
  const filledFrom = useRef<string | null>(null);
  const submitting = useRef(false);
  const lastSubmit = useRef<{ key: string; body: string; answered: boolean } | null>(null);
  const promptRef = useRef<HTMLTextAreaElement>(null);
  const seedRef = useRef<HTMLInputElement>(null);

  // What is being written survives a trip to another page (in memory only).
  useEffect(() => {
    if (form) rememberPromptDraft(owner, form);
  }, [owner, form]);

  // Models and remembered settings once per language (names are localized),
  // plus the generation named by ?from= whenever it changes.
  useEffect(() => {
    let active = true;
    if (!boot.current || boot.current.locale !== locale || boot.current.attempt !== attempt) {
      boot.current = { locale, attempt, promise: loadBoot(locale) };
    }
    // Each ?from= fills the form once: a language switch later must not undo the member's edits.
    const fill = from !== null && from !== filledFrom.current ? from : null;
    const source = fill ? getGeneration(fill, locale).catch(() => null) : Promise.resolve(null);
    Promise.all([boot.current.promise, source]).then(
      ([{ models: loaded, settings }, generation]) => {
        if (!active) return;
        filledFrom.current = from;
        setModels(loaded);
        setLoadFailed(false);
        setForm((current) => {
          const initial = initialForm(loaded, settings);
          const base = current ?? (initial ? withPromptDraft(owner, initial) : null);
          return base && generation ? formFromGeneration(base, generation, loaded).form : base;
        });
        if (fill) {
          const modelMissing = generation !== null && !findModel(loaded, generation.modelId);
          setNotice(
            !generation
              ? { tone: 'error', text: t('generate.from.failed') }
              : { tone: 'info', text: t(modelMissing ? 'generate.from.modelMissing' : 'generate.reused') },
          );
        }
      },
      () => {
        if (active) setLoadFailed(true);
      },
    );
    return () => {
      active = false;
    };
    // `t` follows the locale; re-running on it would refetch for nothing.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [from, locale, attempt]);

  // Focus moves after the render that shows the field (and after a closing lightbox has restored focus).
  useEffect(() => {
    if (!focusRequest) return;
    const field = focusRequest.field === 'seed' ? seedRef.current : promptRef.current;
    field?.focus();
    field?.scrollIntoView({ block: 'center' });
  }, [focusRequest]);

  const model = models && form ? findModel(models, form.modelId) : undefined;

  const problemText = (problem: FormProblem, current: PublicModel, value: GeneratorForm): string => {
    switch (problem) {
      case 'promptRequired':
        return t('generate.prompt.required');
      case 'promptTooLong':
        return t('generate.prompt.tooLong', {
          max: current.capabilities.maxPromptLength,
          over: value.prompt.length - current.capabilities.maxPromptLength,
        });
      case 'seedInvalid':
        return t('generate.seed.invalid', { max: formatNumber(locale, MAX_SEED) });
    }
  };

  const submit = () => {
    if (submitting.current || !form || !model || !models) return;
    setNotice(null);
    const problems = formProblems(form, model);
    const problemFields = Object.keys(problems);
    if (problemFields.length > 0) {
      setErrors(
        Object.fromEntries(
          Object.entries(problems).map(([field, problem]) => [
            field,
            problem && problemText(problem, model, form),
          ]),
        ),
      );
      setFormError({ text: t('generate.fixErrors'), pricing: false });
      setFocusRequest((r) => ({
        field: problemFields.includes('prompt') ? 'prompt' : 'seed',
        n: (r?.n ?? 0) + 1,
      }));
      return;
    }
    if (uploading) {
      setFormError({ text: t('generate.references.waitForUploads'), pricing: false });
      return;
    }
    const caps = model.capabilities;
    const chosen = caps.imageToImage ? references.slice(0, caps.maxReferenceImages) : [];
    if (!caps.textToImage && chosen.length === 0) {
      setErrors({ referenceUploadIds: t('generate.references.required') });
      setFormError({ text: t('generate.fixErrors'), pricing: false });
      return;
    }
    const request = {
      ...toRequest(form, model),
      ...(chosen.length > 0 ? { referenceUploadIds: chosen.map((upload) => upload.id) } : {}),
    };
    const body = JSON.stringify(request);
    const key = idempotencyKeyFor(lastSubmit.current, body, newIdempotencyKey);
    const attemptRecord = { key, body, answered: false };
    lastSubmit.current = attemptRecord;
    submitting.current = true;
    setBusy(true);
    setErrors({});
    setFormError(null);
    createGeneration(request, { locale, idempotencyKey: key })
      .then(
        (created) => {
          attemptRecord.answered = true;
          const generation = provisionalGeneration(created, request, model, new Date().toISOString());
          addToSession(generation);
          setNotice({ tone: 'info', text: t('generate.started') });
          saveGeneratorSettings(toSettings(form, model), locale).catch(() => undefined);
          void refreshCreditBalance(locale);
        },
        (error: unknown) => {
          if (!(error instanceof ApiError) || error.code === 'network') {
            setFormError(submitErrorOf(t, error));
            return;
          }
          attemptRecord.answered = error.status < 500;
          const shown = Object.fromEntries(
            error.fields.filter((f) => formFields.has(f.field)).map((f) => [f.field, f.message]),
          );
          const others = error.fields.filter((f) => !formFields.has(f.field)).map((f) => f.message);
          setErrors(shown);
          setFormError(submitErrorOf(t, error, others));
          if (error.code === 'insufficient_credits') void refreshCreditBalance(locale);
        },
      )
      .finally(() => {
        submitting.current = false;
        setBusy(false);
      });
  };

  const reuseSettings = (generation: Generation) => {
    if (!models || !form) return;
    const filled = formFromGeneration(form, generation, models);
    setForm(filled.form);
    setErrors({});
    setFormError(null);
    setNotice({
      tone: 'info',
      text: t(filled.modelMissing ? 'generate.from.modelMissing' : 'generate.reused'),
    });
    setLightbox(null);
    setFocusRequest((r) => ({ field: 'prompt', n: (r?.n ?? 0) + 1 }));
  };

  const reuseSeed = (generation: Generation, seed: number) => {
    if (!models || !form) return;
    setForm(formWithSeed(form, seed, models, generation.modelId));
    // The seed field now holds a valid seed: an error about the old one no longer applies.
    setErrors((current) => (current.seed ? { ...current, seed: undefined } : current));
    setNotice({ tone: 'info', text: t('generate.reusedSeed', { seed }) });
    setLightbox(null);
    setFocusRequest((r) => ({ field: 'seed', n: (r?.n ?? 0) + 1 }));
  };

  // A prompt-help suggestion the member chose: into the prompt, and with "Edit" the cursor too.
  const applyPrompt = (text: string, edit: boolean) => {
    setForm((current) => current && { ...current, prompt: text });
    setErrors((current) => (current.prompt ? { ...current, prompt: undefined } : current));
    if (edit) setFocusRequest((r) => ({ field: 'prompt', n: (r?.n ?? 0) + 1 }));
  };

  const onSettled = useCallback(
    (generation: Generation) => {
      void refreshCreditBalance(locale);
      updateInSession(generation);
    },
    [locale, updateInSession],
  );
  const open = useCallback((generation: Generation, index: number) => setLightbox({ generation, index }), []);

  // A submit's error is shown above the fields and brought into view (focus stays on the form).
  const banner = <SubmitErrorBanner error={formError} testId="generate-error" />;

  return (
    <div className="mx-auto max-w-6xl px-4 py-8">
      <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
        <h1 className="text-2xl font-bold">{t('generate.heading')}</h1>
        <AppLink
          to={localePath('/compare')}
          className="text-sm text-primary underline underline-offset-4"
          data-testid="compare-link"
        >
          {t('generate.compareLink')}
        </AppLink>
      </div>
      {/* Notices (reused settings, started) are announced without moving focus. */}
      <PageNotice notice={notice} className="mt-2" testId="generate-notice" />
      <div className="mt-4 grid gap-8 lg:grid-cols-[minmax(0,28rem)_minmax(0,1fr)]">
        <section aria-label={t('generate.heading')}>
          <Card className="p-4 sm:p-6">
            {loadFailed ? (
              <LoadFailed
                className="grid gap-3"
                message={t('generate.model.loadFailed')}
                retryLabel={t('generate.retry')}
                onRetry={() => setAttempt((n) => n + 1)}
              />
            ) : models && models.length === 0 ? (
              <Alert>{t('generate.model.none')}</Alert>
            ) : model && form && models ? (
              <GeneratorFormFields
                models={models}
                model={model}
                form={form}
                onChange={setForm}
                onSubmit={submit}
                busy={busy}
                errors={errors}
                banner={banner}
                balance={balance}
                promptRef={promptRef}
                seedRef={seedRef}
                promptTools={<PromptAssist prompt={form.prompt} onApply={applyPrompt} disabled={busy} />}
                references={
                  model.capabilities.imageToImage ? (
                    <ReferenceImages
                      maxImages={model.capabilities.maxReferenceImages}
                      value={references.slice(0, model.capabilities.maxReferenceImages)}
                      onChange={setReferences}
                      onBusyChange={setUploading}
                      disabled={busy}
                    />
                  ) : undefined
                }
              />
            ) : (
              <FormSkeleton label={t('generate.model.loading')} />
            )}
          </Card>
        </section>
        <SessionGenerations
          session={session}
          onSettled={onSettled}
          onOpen={open}
          onReuseSettings={reuseSettings}
          onReuseSeed={reuseSeed}
        />
      </div>
      {lightbox ? (
        <Lightbox
          generation={lightbox.generation}
          index={lightbox.index}
          onIndexChange={(index) => setLightbox((current) => current && { ...current, index })}
          onClose={() => setLightbox(null)}
          actions={(image) => {
            const seed = seedOf(lightbox.generation, image);
            return (
              <>
                {seed !== null ? (
                  <Button variant="outline" size="sm" onClick={() => reuseSeed(lightbox.generation, seed)}>
                    {t('generation.reuseSeed')}
                  </Button>
                ) : null}
                <Button variant="outline" size="sm" onClick={() => reuseSettings(lightbox.generation)}>
                  {t('generation.reuseSettings')}
                </Button>
              </>
            );
          }}
        />
      ) : null}
    </div>
  );
}
