/**
 * Prompt help for signed-in members (decision 017):
 *   GET  /api/prompts/config   -> {available, cost, maxLength}
 *   POST /api/prompts/enhance  {prompt, mode: "enhance" | "translate"} -> {suggestion, cost}
 * The suggestion is only a suggestion: nothing is stored; the member
 * decides whether it replaces the prompt.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import {
  PROMPT_ASSIST_MAX_LENGTH,
  promptAssistModes,
  type PromptAssistConfig,
} from '../../shared/prompt-assist';
import { requireUser } from '../auth/require-user';
import type { AppDeps, AppEnv } from '../http/context';
import { parseJsonBody } from '../http/errors';
import { requestLog } from '../http/request-log';
import { isProviderError } from '../providers/errors';
import { enhancePrompt } from './enhance-prompt';
import { createPromptTextModels, type PromptTextModels } from './prompt-text-model';

const enhanceBody = z.strictObject({
  // The length that counts is checked after trimming (enhance-prompt.ts); this bounds the body.
  prompt: z.string().max(32_000),
  mode: z.enum(promptAssistModes),
});

export function promptRoutes(deps: AppDeps, options: { textModels?: PromptTextModels } = {}) {
  const app = new Hono<AppEnv>();
  const settings = deps.config.promptLlm;
  const textModels =
    options.textModels ??
    createPromptTextModels({
      db: deps.database.db,
      registry: deps.generation.providers,
      settings,
      appUrl: deps.config.publicUrl,
    });

  app.get('/config', async (c) => {
    await requireUser(deps, c);
    let available: boolean;
    try {
      available = (await textModels.current()) !== undefined;
    } catch (error) {
      if (!isProviderError(error)) throw error;
      available = false; // a stored key that no longer opens: hidden until an admin enters it again
    }
    c.header('cache-control', 'no-store');
    return c.json({
      available,
      cost: settings.credits,
      maxLength: PROMPT_ASSIST_MAX_LENGTH,
    } satisfies PromptAssistConfig);
  });

  app.post('/enhance', async (c) => {
    const user = await requireUser(deps, c);
    const body = await parseJsonBody(c, enhanceBody);
    const result = await enhancePrompt(
      { db: deps.database.db, settings, textModels, now: deps.now, log: requestLog(c) },
      { userId: user.id, prompt: body.prompt, mode: body.mode, signal: c.req.raw.signal },
    );
    c.header('cache-control', 'no-store');
    return c.json(result);
  });

  return app;
}
