/**
 * The prompts being written on the generator page, kept in memory across
 * client-side navigations (to the history and back, say) so a trip away does
 * not lose them; never in storage, and tied to the member like the session
 * list (use-session-generations.ts). The other settings come back from the
 * ones remembered on the account.
 */
import type { GeneratorForm } from './form-state';

let draft: { owner: string; prompt: string; negativePrompt: string } | null = null;

export function rememberPromptDraft(owner: string, form: Pick<GeneratorForm, 'prompt' | 'negativePrompt'>) {
  draft = { owner, prompt: form.prompt, negativePrompt: form.negativePrompt };
}

/** `form` with this member's draft prompts, when there is one. */
export function withPromptDraft(owner: string, form: GeneratorForm): GeneratorForm {
  if (draft?.owner !== owner) return form;
  return { ...form, prompt: draft.prompt, negativePrompt: draft.negativePrompt };
}
