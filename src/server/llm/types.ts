/**
 * The small text-model interface behind prompt help ("Enhance" and
 * "Translate to English", decision 017): one system message, one user
 * message, one answer. Adapters (deepseek, openai, openrouter) sit on the AI
 * SDK's `generateText` with its retries off, and throw ProviderError with
 * the same closed codes as the image adapters (providers/errors.ts), so the
 * caller decides what a failure means from the code alone.
 */

export interface CompleteRequest {
  /** The instructions: what to do with the user's text. */
  system: string;
  /** The text to work on; treated as data by the instructions, never as instructions. */
  user: string;
  /** Ends the call (the caller joins its own timeout to the client's disconnect). */
  signal: AbortSignal;
  /** Upper bound on the answer's tokens (reasoning tokens included where a model counts them). */
  maxOutputTokens?: number;
}

export interface CompleteResult {
  /** The answer as the model wrote it (never empty: an empty answer is a provider_error). */
  text: string;
  /** True when the model stopped at the token limit rather than on its own. */
  truncated: boolean;
  /** The provider's id of the completion, for logs. */
  requestId?: string;
  inputTokens?: number;
  outputTokens?: number;
}

export interface TextModel {
  /** The catalog provider whose key and base URL the model was built with. */
  readonly providerId: string;
  /** The provider's model id, e.g. `deepseek-flash`. */
  readonly model: string;
  complete(request: CompleteRequest): Promise<CompleteResult>;
}

/** What every text adapter is built from: the provider's settings (registry.settingsOf) and a model id. */
export interface TextModelSettings {
  providerId: string;
  model: string;
  apiKey: string;
  /** The provider's API base; the SDK's default when absent. */
  baseUrl?: string;
  /** PUBLIC_URL, for providers that attribute usage to an app (OpenRouter). */
  appUrl?: string;
  /** For tests: the fetch the SDK uses. */
  fetch?: typeof fetch;
}
