/**
 * Prompt help (decision 017), what the server and the generator page share:
 * the two modes, the longest prompt that can be sent, and the test for
 * Chinese, Japanese or Korean text that decides whether "Translate to
 * English" is offered.
 */

export const promptAssistModes = ['enhance', 'translate'] as const;
export type PromptAssistMode = (typeof promptAssistModes)[number];

/**
 * The longest prompt (after trimming) that may be enhanced or translated.
 * An enhancement grows the text by about half, and most models take 4,000
 * characters, so 2,000 leaves room for the suggestion to be used as it is.
 */
export const PROMPT_ASSIST_MAX_LENGTH = 2_000;

/** Han ideographs (with extension A and compatibility forms), kana and Hangul. */
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/;

/** Whether the text holds any CJK character (then translation is worth offering). */
export function containsCjk(text: string): boolean {
  return CJK.test(text);
}

/** What `GET /api/prompts/config` answers. */
export interface PromptAssistConfig {
  /** False when the operator has not set up a text model: the buttons are hidden. */
  available: boolean;
  /** Credits one enhancement or translation costs (0 = free). */
  cost: number;
  maxLength: number;
}

/** What `POST /api/prompts/enhance` answers. */
export interface PromptSuggestion {
  suggestion: string;
  /** Credits charged for it. */
  cost: number;
}
