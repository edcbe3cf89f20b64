/**
 * One enhancement or translation of a member's prompt (decision 017): check
 * the prompt, count it against the member's hourly limit, hold its price
 * when it has one, ask the text model once (no retries: the member is
 * waiting and can press again), clean the answer, then settle the hold, or
 * void it on any failure, so a failed call never costs anything. A hold
 * whose process dies mid-call is voided by the sweeper once it expires.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { PromptAssistMode, PromptSuggestion } from '../../shared/prompt-assist';
import { PROMPT_ASSIST_MAX_LENGTH } from '../../shared/prompt-assist';
import type { Config } from '../config';
import { placeHold, settleHold, voidHold } from '../credits';
import type { Db } from '../db/client';
import { AppError } from '../errors';
import { enforceRateLimit } from '../http/rate-limit';
import { ProviderError, isProviderError } from '../providers/errors';
import { cleanSuggestion } from './clean-suggestion';
import { instructionsFor } from './instructions';
import { promptLedgerKeys } from './prompt-ledger-keys';
import type { PromptTextModels } from './prompt-text-model';

export interface EnhancePromptDeps {
  db: Db;
  settings: Config['promptLlm'];
  textModels: PromptTextModels;
  now: () => Date;
  log: Logger;
}

export interface EnhancePromptInput {
  userId: string;
  prompt: string;
  mode: PromptAssistMode;
  /** The request's signal: a member who leaves ends the call (and its hold is voided). */
  signal?: AbortSignal;
}

/** A hold outlives the call by this much before the sweeper may void it (a process that died mid-call). */
const HOLD_MARGIN_MS = 60_000;

/** The member-facing error for a provider's failure; the detail stays in the log. */
export function appErrorOf(error: ProviderError): AppError {
  switch (error.code) {
    case 'content_policy':
      return new AppError('content_policy', { cause: error });
    case 'timeout':
      return new AppError('upstream_timeout', { cause: error });
    case 'rate_limited':
      return new AppError('rate_limited', {
        cause: error,
        ...(error.retryAfterMs !== undefined
          ? { retryAfterSeconds: Math.ceil(error.retryAfterMs / 1000) }
          : {}),
      });
    default:
      // auth, quota, model_unavailable, invalid_request, provider_error: the operator's to fix.
      return new AppError('unavailable', { cause: error });
  }
}

async function currentModel(deps: EnhancePromptDeps) {
  try {
    return await deps.textModels.current();
  } catch (error) {
    if (!isProviderError(error)) throw error;
    deps.log.warn(
      { err: error, code: error.code, providerId: error.providerId },
      'prompt help: text model unusable',
    );
    throw appErrorOf(error);
  }
}

export async function enhancePrompt(
  deps: EnhancePromptDeps,
  input: EnhancePromptInput,
): Promise<PromptSuggestion> {
  const prompt = input.prompt.trim();
  if (prompt === '') {
    throw new AppError('validation_failed', {
      fields: [{ field: 'prompt', message: 'validation.promptRequired' }],
    });
  }
  if (prompt.length > PROMPT_ASSIST_MAX_LENGTH) {
    throw new AppError('validation_failed', {
      fields: [{ field: 'prompt', message: 'validation.tooLong', vars: { max: PROMPT_ASSIST_MAX_LENGTH } }],
    });
  }
  const model = await currentModel(deps);
  if (!model) throw new AppError('not_configured', { detail: 'no text model for prompt help' });
  await enforceRateLimit(
    deps.db,
    { name: 'prompt-assist:user', max: deps.settings.perHour, windowSeconds: 3600 },
    input.userId,
    deps.now(),
  );

  const cost = deps.settings.credits;
  const keys = promptLedgerKeys(randomUUID());
  const started = deps.now();
  const hold =
    cost > 0
      ? await placeHold(deps.db, {
          userId: input.userId,
          amount: cost,
          expiresAt: new Date(started.getTime() + deps.settings.timeoutMs + HOLD_MARGIN_MS),
          reference: keys.reference,
          idempotencyKey: keys.hold,
          at: started,
        })
      : undefined;
  try {
    const signal = AbortSignal.any([
      AbortSignal.timeout(deps.settings.timeoutMs),
      ...(input.signal ? [input.signal] : []),
    ]);
    const result = await model.complete({ system: instructionsFor(input.mode), user: prompt, signal });
    const suggestion = result.truncated ? '' : cleanSuggestion(result.text);
    if (suggestion === '') {
      throw new ProviderError('provider_error', {
        providerId: model.providerId,
        status: 200,
        detail: result.truncated ? 'the answer stopped at the token limit' : 'nothing usable in the answer',
      });
    }
    if (hold) {
      await settleHold(deps.db, {
        holdId: hold.holdId,
        amount: cost,
        idempotencyKey: keys.settle,
        at: deps.now(),
      });
    }
    deps.log.info(
      {
        mode: input.mode,
        providerId: model.providerId,
        model: model.model,
        requestId: result.requestId,
        inputTokens: result.inputTokens,
        outputTokens: result.outputTokens,
        cost,
      },
      'prompt help answered',
    );
    return { suggestion, cost };
  } catch (error) {
    if (hold) {
      await voidHold(deps.db, {
        holdId: hold.holdId,
        reason: 'failure',
        idempotencyKey: keys.void,
        at: deps.now(),
      }).catch((voidError: unknown) => {
        // Already voided by the sweeper (the call outlived the hold): refunded all the same.
        if (voidError instanceof AppError && voidError.code === 'hold_resolved') return;
        // Otherwise the sweeper voids it when it expires: the member is refunded either way.
        deps.log.error(
          { err: voidError, holdId: hold.holdId },
          'prompt help: void failed, left to the sweeper',
        );
      });
    }
    if (!isProviderError(error)) throw error;
    deps.log.warn(
      {
        mode: input.mode,
        providerId: error.providerId,
        code: error.code,
        status: error.status,
        detail: error.message,
      },
      'prompt help failed',
    );
    throw appErrorOf(error);
  }
}
