/**
 * Prompt help beside the generator's prompt (decision 017): "Enhance" and,
 * when the prompt holds Chinese, Japanese or Korean text, "Translate to
 * English". The answer is only a suggestion, shown in a panel: "Use this"
 * replaces the prompt, "Edit" puts it in the prompt with the cursor there,
 * "Dismiss" drops it; the prompt is never changed without the member's
 * choice. Hidden when the site has no text model set up; the price is
 * shown when it is not free; errors appear inline under the buttons.
 */
import { useEffect, useRef, useState } from 'react';
import {
  containsCjk,
  type PromptAssistConfig,
  type PromptAssistMode,
  type PromptSuggestion,
} from '../../../shared/prompt-assist';
import { ApiError } from '../../lib/api';
import { refreshCreditBalance } from '../../lib/credit-balance';
import { useI18n } from '../../lib/i18n';
import { Button } from '../ui/button';
import { countText, formatNumber } from './format';
import { getPromptAssistConfig, requestPromptSuggestion } from './prompt-assist-api';

export interface PromptAssistProps {
  prompt: string;
  /** Puts the text in the prompt; `edit`: and moves the cursor there for editing. */
  onApply: (text: string, edit: boolean) => void;
  /** The form is submitting: no new request then. */
  disabled?: boolean;
}

type Shown = PromptSuggestion & { mode: PromptAssistMode };

export function PromptAssist({ prompt, onApply, disabled = false }: PromptAssistProps) {
  const { t, locale } = useI18n();
  const [config, setConfig] = useState<PromptAssistConfig | null>(null);
  const [busy, setBusy] = useState<PromptAssistMode | null>(null);
  const [suggestion, setSuggestion] = useState<Shown | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [applied, setApplied] = useState(false);
  const mounted = useRef(true);
  const panelRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  // Whether the site offers prompt help, and its price; without an answer the buttons stay hidden.
  useEffect(() => {
    let active = true;
    getPromptAssistConfig(locale).then(
      (loaded) => {
        if (active) setConfig(loaded);
      },
      () => {
        if (active) setConfig(null);
      },
    );
    return () => {
      active = false;
    };
  }, [locale]);

  // A new suggestion takes the focus, so keyboard and screen-reader users land on its choices.
  useEffect(() => {
    if (suggestion) panelRef.current?.focus();
  }, [suggestion]);

  if (!config?.available) return null;

  const text = prompt.trim();
  const tooLong = text.length > config.maxLength;
  const credits = (count: number) => countText(t, locale, 'generation.credits', count);

  const ask = (mode: PromptAssistMode) => {
    if (busy || disabled || text === '' || tooLong) return;
    setBusy(mode);
    setError(null);
    setApplied(false);
    requestPromptSuggestion({ prompt: text, mode }, locale)
      .then(
        (answer) => {
          if (!mounted.current) return;
          setSuggestion({ ...answer, mode });
          if (answer.cost > 0) void refreshCreditBalance(locale);
        },
        (failure: unknown) => {
          if (!mounted.current) return;
          const api = failure instanceof ApiError ? failure : null;
          setError(
            !api || api.code === 'network'
              ? t('error.network')
              : [api.message || t('error.internal'), ...api.fields.map((f) => f.message)].join(' '),
          );
          if (api?.code === 'insufficient_credits') void refreshCreditBalance(locale);
        },
      )
      .finally(() => {
        if (mounted.current) setBusy(null);
      });
  };

  const choose = (edit: boolean) => {
    if (!suggestion) return;
    onApply(suggestion.suggestion, edit);
    setSuggestion(null);
    setApplied(!edit);
  };

  return (
    <div className="grid gap-2" data-testid="prompt-assist">
      <div role="group" aria-label={t('generate.assist.label')} className="flex flex-wrap items-center gap-2">
        <Button
          variant="outline"
          size="sm"
          onClick={() => ask('enhance')}
          disabled={disabled || busy !== null || text === '' || tooLong}
          aria-busy={busy === 'enhance'}
          data-testid="prompt-enhance"
        >
          {busy === 'enhance' ? t('generate.assist.enhancing') : t('generate.assist.enhance')}
        </Button>
        {containsCjk(prompt) ? (
          <Button
            variant="outline"
            size="sm"
            onClick={() => ask('translate')}
            disabled={disabled || busy !== null || tooLong}
            aria-busy={busy === 'translate'}
            data-testid="prompt-translate"
          >
            {busy === 'translate' ? t('generate.assist.translating') : t('generate.assist.translate')}
          </Button>
        ) : null}
        {config.cost > 0 ? (
          <span className="text-xs text-muted-foreground" data-testid="prompt-assist-cost">
            {t('generate.assist.cost', { credits: credits(config.cost) })}
          </span>
        ) : null}
      </div>
      {tooLong ? (
        <p className="text-xs text-muted-foreground">
          {t('generate.assist.tooLong', { max: formatNumber(locale, config.maxLength) })}
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="text-sm text-destructive" data-testid="prompt-assist-error">
          {error}
        </p>
      ) : null}
      <div role="status" aria-live="polite" className="sr-only">
        {busy
          ? t(busy === 'enhance' ? 'generate.assist.enhancing' : 'generate.assist.translating')
          : applied
            ? t('generate.assist.applied')
            : ''}
      </div>
      {suggestion ? (
        <div
          ref={panelRef}
          tabIndex={-1}
          role="region"
          aria-label={t(
            suggestion.mode === 'translate' ? 'generate.assist.translation' : 'generate.assist.suggestion',
          )}
          className="grid gap-2 rounded-md border bg-muted/50 p-3 outline-none"
          data-testid="prompt-suggestion"
        >
          <p className="text-xs font-medium text-muted-foreground">
            {t(
              suggestion.mode === 'translate' ? 'generate.assist.translation' : 'generate.assist.suggestion',
            )}
          </p>
          <p className="text-sm break-words whitespace-pre-wrap" data-testid="prompt-suggestion-text">
            {suggestion.suggestion}
          </p>
          {suggestion.cost > 0 ? (
            <p className="text-xs text-muted-foreground" data-testid="prompt-suggestion-cost">
              {t('generate.assist.charged', { credits: credits(suggestion.cost) })}
            </p>
          ) : null}
          <div className="flex flex-wrap gap-2">
            <Button size="sm" onClick={() => choose(false)} data-testid="prompt-suggestion-use">
              {t('generate.assist.use')}
            </Button>
            <Button
              variant="outline"
              size="sm"
              onClick={() => choose(true)}
              data-testid="prompt-suggestion-edit"
            >
              {t('generate.assist.edit')}
            </Button>
            <Button
              variant="ghost"
              size="sm"
              onClick={() => setSuggestion(null)}
              data-testid="prompt-suggestion-dismiss"
            >
              {t('generate.assist.dismiss')}
            </Button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
