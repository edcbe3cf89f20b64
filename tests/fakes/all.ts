/**
 * Every provider fake at once, on 127.0.0.1, with the settings that point
 * the platform at them: `PROVIDER_<ID>_API_KEY` and `PROVIDER_<ID>_BASE_URL`
 * (decision 016), plus the webhook settings the fakes sign with. Used by
 * `npm run dev:fakes` (scripts/dev-fakes.mjs) to try the whole product
 * offline, and by tests that run a platform against all the fakes.
 *
 * A new fake is one line in `providerFakes`: the provider id it stands in
 * for, how to start it and which key it accepts.
 */
import { startArkFake } from './ark';
import { startDeepSeekFake } from './deepseek';
import { startFalFake } from './fal';
import { withFakePort, type FakeServer } from './fake-server';
import { startFireworksFake } from './fireworks';
import { startGeminiFake } from './gemini';
import { startOpenAiFake } from './openai';
import { startOpenRouterFake } from './openrouter';
import { startReplicateFake } from './replicate';
import { startStripeFake, type StripeFake } from './stripe';

/** A fake as an adapter sees it: an origin and the base URL to configure. */
export interface RunningFake extends FakeServer {
  readonly baseUrl: string;
}

export interface FakeEntry {
  /** The catalog provider id the fake stands in for; the variable names derive from it. */
  providerId: string;
  start(): Promise<{ fake: RunningFake; apiKey: string; extra: Record<string, string> }>;
}

/**
 * One entry: `apiKey` reads the key the fake accepts; `extra` adds settings
 * beyond key and base URL, by variable suffix (`WEBHOOK_SECRET` →
 * `PROVIDER_<ID>_WEBHOOK_SECRET`).
 */
function fake<F extends RunningFake>(
  providerId: string,
  start: () => Promise<F>,
  apiKey: (fake: F) => string,
  extra: (fake: F) => Record<string, string> = () => ({}),
): FakeEntry {
  return {
    providerId,
    async start() {
      const running = await start();
      return { fake: running, apiKey: apiKey(running), extra: extra(running) };
    },
  };
}

/** The model an OpenAI-compatible server fake serves, as a self-hosted server lists its own. */
export const COMPATIBLE_FAKE_MODEL = 'local-sdxl-turbo';

/**
 * In a fixed order: with `portBase`, the fake at index i listens on
 * portBase + i, so add new fakes at the end to keep the others' ports.
 */
export const providerFakes: readonly FakeEntry[] = [
  fake(
    'openai',
    () => startOpenAiFake(),
    (f) => f.apiKey,
  ),
  fake(
    'google',
    () => startGeminiFake(),
    (f) => f.apiKey,
  ),
  fake(
    'byteplus',
    () => startArkFake(),
    (f) => f.apiKey,
  ),
  fake(
    'openrouter',
    () => startOpenRouterFake(),
    (f) => f.apiKey,
  ),
  fake(
    'fireworks',
    () => startFireworksFake(),
    (f) => f.apiKey,
  ),
  fake(
    'replicate',
    () => startReplicateFake(),
    (f) => f.apiToken,
    (f) => ({ WEBHOOK_SECRET: f.webhookSecret }),
  ),
  fake(
    'fal',
    () => startFalFake(),
    (f) => f.apiKey,
    (f) => ({ JWKS_URL: f.jwksUrl }),
  ),
  // A self-hosted OpenAI-compatible image server: the OpenAI fake with a key and a model of its own.
  fake(
    'openai_compatible',
    () => startOpenAiFake({ apiKey: 'sk-fake-compatible', extraModels: [COMPATIBLE_FAKE_MODEL] }),
    (f) => f.apiKey,
  ),
  // Text only: prompt enhancement and translation (decision 017).
  fake(
    'deepseek',
    () => startDeepSeekFake(),
    (f) => f.apiKey,
  ),
];

export interface ProviderFakeSettings {
  apiKey: string;
  baseUrl: string;
}

export interface RunningFakes {
  /** Each running fake by provider id. */
  fakes: Readonly<Record<string, RunningFake>>;
  /** Key and base URL by provider id, for calling an adapter directly. */
  settings: Readonly<Record<string, ProviderFakeSettings>>;
  /** The platform's environment variables, in the order of `providerFakes`, then Stripe's. */
  env: Readonly<Record<string, string>>;
  /** The Stripe fake, when started (billing, decision 020). */
  stripe: StripeFake | undefined;
  /** Closes every fake (open connections included). */
  close(): Promise<void>;
}

/** `openai_compatible` → `PROVIDER_OPENAI_COMPATIBLE_`. */
export const providerVarPrefix = (providerId: string) => `PROVIDER_${providerId.toUpperCase()}_`;

/** The Stripe fake's default prices, as the catalog's `STRIPE_PRICE_<ITEM>` settings. */
export const stripeFakePriceEnv = {
  STRIPE_PRICE_PACK_100: 'price_pack_100',
  STRIPE_PRICE_PACK_500: 'price_pack_500',
  STRIPE_PRICE_PRO_MONTHLY: 'price_pro_monthly',
  STRIPE_PRICE_PRO_YEARLY: 'price_pro_yearly',
} as const;

export interface StartAllFakesOptions {
  portBase?: number;
  entries?: readonly FakeEntry[];
  /**
   * The Stripe fake, after the provider fakes (port portBase + entries.length):
   * started by default when every provider fake is; `webhookUrl` is where it
   * posts events (the platform's /api/webhooks/stripe). `false` leaves it out.
   */
  stripe?: { webhookUrl?: string } | false;
}

/**
 * Starts every fake of `entries` (all by default), and the Stripe fake. With
 * `portBase`, the fake at index i of `entries` listens on portBase + i;
 * otherwise each on a random port. If one fails to start, the ones already
 * started are closed.
 */
export async function startAllFakes(options: StartAllFakesOptions = {}): Promise<RunningFakes> {
  const entries = options.entries ?? providerFakes;
  const fakes: Record<string, RunningFake> = {};
  const settings: Record<string, ProviderFakeSettings> = {};
  const env: Record<string, string> = {};
  let stripe: StripeFake | undefined;
  const close = async () => {
    await Promise.all(
      [...Object.values(fakes), ...(stripe ? [stripe] : [])].map((running) => running.close()),
    );
  };
  try {
    for (const [index, entry] of entries.entries()) {
      const { portBase } = options;
      const started = await (portBase === undefined
        ? entry.start()
        : withFakePort(portBase + index, () => entry.start()));
      fakes[entry.providerId] = started.fake;
      settings[entry.providerId] = { apiKey: started.apiKey, baseUrl: started.fake.baseUrl };
      const prefix = providerVarPrefix(entry.providerId);
      env[`${prefix}API_KEY`] = started.apiKey;
      env[`${prefix}BASE_URL`] = started.fake.baseUrl;
      for (const [suffix, value] of Object.entries(started.extra)) env[`${prefix}${suffix}`] = value;
    }
    const stripeOptions = options.stripe ?? (options.entries ? false : {});
    if (stripeOptions) {
      const startStripe = () => startStripeFake({ webhookUrl: stripeOptions.webhookUrl });
      const { portBase } = options;
      stripe = await (portBase === undefined
        ? startStripe()
        : withFakePort(portBase + entries.length, startStripe));
      Object.assign(env, {
        STRIPE_SECRET_KEY: stripe.secretKey,
        STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
        STRIPE_API_BASE: stripe.origin,
        ...stripeFakePriceEnv,
      });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { fakes, settings, env, stripe, close };
}
