/**
 * Replicate's prediction object (providers.md §4.2) as the adapter and the
 * webhook verifier read it: the same JSON comes back from create, from
 * `GET urls.get` and in a webhook's body. Only the fields the platform acts
 * on are checked; anything else the API adds is ignored, so a new field never
 * breaks polling. A body without an `id` or a `status` is not a prediction.
 */
import { z } from 'zod';

/** Statuses after which a prediction never changes again (`aborted` comes from the client typings). */
export const terminalStatuses = ['succeeded', 'failed', 'canceled', 'aborted'] as const;

export type TerminalStatus = (typeof terminalStatuses)[number];

export interface ReplicatePrediction {
  id: string;
  /** starting, processing or a terminal status; any other string is treated as still running. */
  status: string;
  model?: string;
  version?: string;
  /** A URL string, an array of URL strings, or null until the prediction succeeded. */
  output: unknown;
  /** The model's failure text, e.g. "… (E005)"; null unless failed. */
  error: string | null;
  logs: string | null;
  urls: { get?: string; cancel?: string };
  /** True once Replicate deleted the prediction's inputs and outputs. */
  dataRemoved: boolean;
}

const predictionSchema = z.object({
  id: z.string().min(1),
  status: z.string().min(1),
  model: z.string().optional(),
  version: z.string().nullish(),
  output: z.unknown().optional(),
  error: z.unknown().optional(),
  logs: z.string().nullish(),
  urls: z.object({ get: z.string().optional(), cancel: z.string().optional() }).partial().nullish(),
  data_removed: z.boolean().nullish(),
});

/** The prediction in `value`, or undefined when it lacks what every prediction has. */
export function parseReplicatePrediction(value: unknown): ReplicatePrediction | undefined {
  const parsed = predictionSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const { id, status, model, version, output, error, logs, urls, data_removed } = parsed.data;
  return {
    id,
    status,
    ...(model ? { model } : {}),
    ...(version ? { version } : {}),
    output: output ?? null,
    error: errorText(error),
    logs: logs ?? null,
    urls: { ...(urls?.get ? { get: urls.get } : {}), ...(urls?.cancel ? { cancel: urls.cancel } : {}) },
    dataRemoved: data_removed ?? false,
  };
}

/* Replicate sends the error as a string; an object (seen from some models) is kept as JSON for the logs. */
function errorText(error: unknown): string | null {
  if (error === null || error === undefined || error === '') return null;
  return typeof error === 'string' ? error : JSON.stringify(error);
}

export function isTerminalStatus(status: string): status is TerminalStatus {
  return (terminalStatuses as readonly string[]).includes(status);
}

/**
 * The output file URLs of a succeeded prediction, in order: `output` is an
 * array of URLs (flux-schnell, Seedream) or a single URL (flux-1.1-pro).
 * Undefined when it is neither.
 */
export function outputUrls(prediction: ReplicatePrediction): string[] | undefined {
  const { output } = prediction;
  if (typeof output === 'string' && output !== '') return [output];
  if (Array.isArray(output) && output.length > 0 && output.every((item) => typeof item === 'string')) {
    return output;
  }
  return undefined;
}
