/**
 * Issue 4, part 2: `npm run dev:fakes` points the whole product at the
 * provider fakes. The command itself (scripts/dev-fakes.mjs) runs as a child
 * process; the production server (S stack) starts with nothing but the
 * settings it wrote to its env file, and a member generates through
 * `POST /api/generations` with a seeded model of every provider that has
 * seeded routes. Fallback-only providers (Replicate) are reached by an
 * admin switching the primaries' providers off, as an operator would; the
 * providers without seeded routes (OpenRouter, an OpenAI-compatible server)
 * get a model from an admin through `POST /api/admin/models` first. Each
 * generation must succeed with its images served from /api/images/…, and
 * the fakes' request log (printed by the command) must show that the
 * intended provider made them. Every provider whose seeded models take
 * reference images also gets an image-to-image generation from the member's
 * uploads, reaching that provider's edit path (OpenAI's /images/edits,
 * fal's Seedream edit endpoint) or its reference fields.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { COMPATIBLE_FAKE_MODEL } from '../fakes/all';
import { Member, type GenerationView } from '../support/stack-client';
import { missingBuildReason, repoRoot, sleep, startSStack, type Stack } from '../support/stack';

const skip = missingBuildReason();
if (skip) console.log(`[process] dev:fakes skipped: ${skip}`);

/** Vite's module runner and eight fakes on 2 shared cores. */
const FAKES_READY_MS = 60_000;
/** Async fakes answer after a few polls of about a second each; 2K Seedream images take a while to store. */
const GENERATION_MS = 90_000;
const ADMIN_EMAIL = 'operator@example.test';

/** The command under test, with its output kept for the request log. */
class DevFakes {
  output = '';
  private readonly child: ChildProcess;
  private readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(envFile: string) {
    this.child = spawn(process.execPath, ['scripts/dev-fakes.mjs', '--out', envFile], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
    const append = (chunk: Buffer) => (this.output += chunk.toString('utf8'));
    this.child.stdout!.on('data', append);
    this.child.stderr!.on('data', append);
    this.exit = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  async ready(): Promise<void> {
    const deadline = Date.now() + FAKES_READY_MS;
    while (!this.output.includes('Press Ctrl-C')) {
      if (this.child.exitCode !== null) throw new Error(`dev:fakes exited early:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`dev:fakes not ready:\n${this.output}`);
      await sleep(100);
    }
  }

  /** Waits until the request log shows `[provider] METHOD path…`. */
  async sawRequest(provider: string, method: string, pathPrefix: string): Promise<boolean> {
    const line = `[${provider}] ${method} ${pathPrefix}`;
    // The command prints its log every half second.
    for (let i = 0; i < 40 && !this.output.includes(line); i++) await sleep(100);
    return this.output.includes(line);
  }

  /** Ctrl-C, as an operator stops it; SIGKILL if it does not stop. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGINT');
    const outcome = await Promise.race([this.exit, sleep(10_000).then(() => undefined)]);
    if (outcome) return outcome;
    this.child.kill('SIGKILL');
    await this.exit;
    throw new Error(`dev:fakes did not stop on SIGINT:\n${this.output}`);
  }
}

/** `NAME=value` lines of the env file (values single-quoted by the command when needed). */
function readEnvFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    const raw = match[2]!;
    env[match[1]!] = raw.startsWith("'") ? raw.slice(1, -1).replaceAll(`'\\''`, "'") : raw;
  }
  return env;
}

/** An admin's session: ADMIN_EMAILS makes the account an admin at sign-up. */
async function signUpAdmin(stack: Stack) {
  const url = stack.webs[0]!.url;
  const response = await fetch(`${url}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { origin: stack.publicUrl, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Operator', email: ADMIN_EMAIL, password: 'correct horse battery staple' }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return async (method: string, target: string, json?: unknown) => {
    const answer = await fetch(`${url}${target}`, {
      method,
      headers: { cookie, origin: stack.publicUrl, 'content-type': 'application/json' },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      signal: AbortSignal.timeout(15_000),
    });
    return { status: answer.status, body: await answer.text() };
  };
}

interface Case {
  /** The provider the generation must reach, as the fakes' log names it. */
  provider: string;
  /** The request it must make there: method and path prefix. */
  request: [string, string];
  body: { modelId: string; n: number; size?: string; aspectRatio?: string; resolution?: string };
  /** Reference images to upload and send (image-to-image). */
  references?: number;
}

/** Seeded models whose first route is the provider. */
const primaries: Case[] = [
  {
    provider: 'openai',
    request: ['POST', '/v1/images/generations'],
    body: { modelId: 'gpt-image-2', n: 1, size: '1536x1024' },
  },
  {
    provider: 'google',
    request: ['POST', '/v1beta/models/gemini-3.1-flash-image:generateContent'],
    body: { modelId: 'gemini-3.1-flash-image', n: 1, aspectRatio: '16:9' },
  },
  {
    provider: 'google',
    request: ['POST', '/v1beta/models/gemini-3-pro-image:generateContent'],
    body: { modelId: 'gemini-3-pro-image', n: 1 },
  },
  {
    provider: 'byteplus',
    request: ['POST', '/api/v3/images/generations'],
    body: { modelId: 'seedream-4', n: 1 },
  },
  {
    provider: 'fal',
    request: ['POST', '/queue/fal-ai/flux/schnell'],
    body: { modelId: 'flux-schnell', n: 2, aspectRatio: '4:3' },
  },
  {
    provider: 'fireworks',
    request: ['POST', '/inference/v1/workflows/accounts/fireworks/models/flux-kontext-pro'],
    body: { modelId: 'flux-kontext-pro', n: 1, aspectRatio: '3:4' },
  },
];

/** Image-to-image on every provider whose seeded models take reference images. */
const withReferences: Case[] = [
  {
    provider: 'openai',
    request: ['POST', '/v1/images/edits'],
    body: { modelId: 'gpt-image-2', n: 1, size: '1024x1024' },
    references: 2,
  },
  {
    provider: 'google',
    request: ['POST', '/v1beta/models/gemini-3.1-flash-image:generateContent'],
    body: { modelId: 'gemini-3.1-flash-image', n: 1, aspectRatio: '1:1' },
    references: 2,
  },
  {
    provider: 'byteplus',
    request: ['POST', '/api/v3/images/generations'],
    body: { modelId: 'seedream-4', n: 1 },
    references: 2,
  },
  {
    provider: 'fireworks',
    request: ['POST', '/inference/v1/workflows/accounts/fireworks/models/flux-kontext-pro'],
    body: { modelId: 'flux-kontext-pro', n: 1, aspectRatio: '1:1' },
    references: 1,
  },
];

/** Seedream 4 on fal (its edit endpoint), once BytePlus is off. */
const falEdits: Case[] = [
  {
    provider: 'fal',
    request: ['POST', '/queue/fal-ai/bytedance/seedream/v4/edit'],
    body: { modelId: 'seedream-4', n: 1 },
    references: 2,
  },
];

/** Models an admin adds for the providers the seed gives no routes. */
const adminModels = [
  {
    provider: 'openrouter',
    request: ['POST', '/api/v1/images'] as [string, string],
    model: {
      id: 'openrouter-seedream-4-5',
      nameEn: 'Seedream 4.5 (OpenRouter)',
      nameZh: 'Seedream 4.5（OpenRouter）',
      capabilities: {
        textToImage: true,
        imageToImage: false,
        maxReferenceImages: 0,
        maxImages: 4,
        seed: true,
        negativePrompt: false,
        maxPromptLength: 4000,
        sizes: [{ size: '2048x2048', tier: 'standard' }],
      },
      pricing: { perImage: { standard: 5 } },
      routes: [{ providerId: 'openrouter', providerModelId: 'bytedance-seed/seedream-4.5' }],
    },
  },
  {
    provider: 'openai_compatible',
    request: ['POST', '/v1/images/generations'] as [string, string],
    model: {
      id: 'house-sdxl-turbo',
      nameEn: 'House SDXL Turbo',
      nameZh: '自托管 SDXL Turbo',
      capabilities: {
        textToImage: true,
        imageToImage: false,
        maxReferenceImages: 0,
        maxImages: 4,
        seed: false,
        negativePrompt: false,
        maxPromptLength: 4000,
        sizes: [{ size: '1024x1024', tier: 'standard' }],
      },
      pricing: { perImage: { standard: 1 } },
      routes: [{ providerId: 'openai_compatible', providerModelId: COMPATIBLE_FAKE_MODEL }],
    },
  },
];

/** Seeded models whose only other route is Replicate, once their primaries' providers are off. */
const fallbacks: Case[] = [
  {
    provider: 'replicate',
    request: ['POST', '/v1/models/bytedance/seedream-4.5/predictions'],
    body: { modelId: 'seedream-4.5', n: 1, size: '2560x1440' },
  },
  {
    provider: 'replicate',
    request: ['POST', '/v1/models/black-forest-labs/flux-1.1-pro/predictions'],
    body: { modelId: 'flux-1.1-pro', n: 1, aspectRatio: '16:9' },
  },
  {
    provider: 'replicate',
    request: ['POST', '/v1/models/bytedance/seedream-4.5/predictions'],
    body: { modelId: 'seedream-4.5', n: 1, size: '2048x2048' },
    references: 2,
  },
];

describe.skipIf(skip !== undefined)('npm run dev:fakes: the platform against every provider fake', () => {
  let scratch: string;
  let fakes: DevFakes;
  let stack: Stack | undefined;

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'imagegen-dev-fakes-'));
    fakes = new DevFakes(path.join(scratch, '.env.fakes'));
    await fakes.ready();
  });
  afterAll(async () => {
    await stack?.teardown();
    await fakes?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('generates with a model of every provider and serves the images', async () => {
    onTestFailed(() => console.log(`${stack?.logTails(60) ?? ''}\n--- dev:fakes ---\n${fakes.output}`));
    const fakeEnv = readEnvFile(path.join(scratch, '.env.fakes'));
    // The file holds what the command printed for pasting.
    for (const [name, value] of Object.entries(fakeEnv)) {
      expect(fakes.output).toContain(`export ${name}=${value}`);
    }
    for (const id of ['OPENAI', 'GOOGLE', 'BYTEPLUS', 'OPENROUTER', 'FIREWORKS', 'REPLICATE', 'FAL']) {
      expect(fakeEnv[`PROVIDER_${id}_API_KEY`], id).toBeTruthy();
      expect(fakeEnv[`PROVIDER_${id}_BASE_URL`], id).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    }
    expect(fakeEnv.PROVIDER_OPENAI_COMPATIBLE_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);

    stack = await startSStack({
      name: 'dev-fakes',
      env: {
        ...fakeEnv,
        ADMIN_EMAILS: ADMIN_EMAIL,
        STARTER_CREDITS: '200',
        // The test profile's 2 s attempts suit the offline provider; the async fakes answer
        // after a few polls a second or more apart. The job's and the hold's bounds follow.
        GENERATION_ATTEMPT_TIMEOUT_SECONDS: '15',
        GENERATION_MAX_ATTEMPTS: '3',
        JOB_EXPIRE_SECONDS: '60',
        HOLD_TIMEOUT_SECONDS: '200',
      },
    });
    const url = stack.webs[0]!.url;
    const admin = await signUpAdmin(stack);
    const member = await Member.signUp(url, stack.publicUrl, 'dev-fakes');

    // The environment switched every configured provider on at boot.
    const providers = await admin('GET', '/api/admin/providers');
    expect(providers.status).toBe(200);
    const listed = JSON.parse(providers.body) as { providers: { id: string; enabled: boolean }[] };
    for (const id of [
      'openai',
      'google',
      'byteplus',
      'openrouter',
      'fireworks',
      'replicate',
      'fal',
      'openai_compatible',
    ]) {
      expect(listed.providers.find((p) => p.id === id)?.enabled, id).toBe(true);
    }

    for (const { model } of adminModels) {
      const added = await admin('POST', '/api/admin/models', model);
      expect(added.status, added.body).toBe(201);
    }
    const adminCases: Case[] = adminModels.map(({ provider, request, model }) => ({
      provider,
      request,
      body: { modelId: model.id, n: 1 },
    }));

    const passed: string[] = [];
    const run = async (cases: Case[]) => {
      const accepted = await Promise.all(
        cases.map(async (c) => {
          const referenceUploadIds: string[] = [];
          for (let i = 0; i < (c.references ?? 0); i++) {
            const bytes = await sharp({
              create: { width: 64 + i * 16, height: 48, channels: 3, background: i % 2 ? 'navy' : 'orange' },
            })
              .png()
              .toBuffer();
            referenceUploadIds.push(await member.upload(new Uint8Array(bytes), `reference-${i}.png`));
          }
          const response = await member.request('POST', '/api/generations', {
            json: {
              prompt: 'a paper boat on a pond',
              ...c.body,
              ...(referenceUploadIds.length > 0 ? { referenceUploadIds } : {}),
            },
          });
          expect(response.status, `${c.body.modelId}: ${response.body}`).toBe(202);
          return { ...c, id: response.json<{ id: string; cost: number }>().id };
        }),
      );
      for (const c of accepted) {
        const done: GenerationView = await member.waitFinished(c.id, GENERATION_MS);
        const label = `${c.body.modelId} via ${c.provider}${c.references ? ` with ${c.references} references` : ''}`;
        expect(done, `${label}: ${done.errorCode ?? ''}`).toMatchObject({
          status: 'succeeded',
          errorCode: null,
        });
        expect(done.charged, label).toBe(done.cost);
        expect(done.images, label).toHaveLength(c.body.n);
        for (const image of done.images) {
          // The provider's pixels at the shape asked for, give or take its rounding.
          const shape = (image.width / image.height) * (done.height / done.width);
          expect(shape, `${label}: ${image.width}x${image.height}`).toBeCloseTo(1, 1);
          expect(image.url).toMatch(/^\/api\/images\//);
          const original = await member.image(image.url);
          expect(original.status, label).toBe(200);
          expect(original.headers.get('content-type'), label).toMatch(/^image\/(png|jpeg|webp)$/);
          expect(original.bytes, label).toBeGreaterThan(100);
          const thumb = await member.thumbnail(image.thumbUrl);
          expect(thumb.status, label).toBe(200);
          expect(thumb.headers.get('content-type'), label).toBe('image/webp');
        }
        expect(await fakes.sawRequest(c.provider, ...c.request), `${label}: no ${c.request.join(' ')}`).toBe(
          true,
        );
        passed.push(label);
      }
    };

    await run([...primaries, ...adminCases, ...withReferences]);

    // fal and Replicate serve Seedream only as fallbacks in the seed: switch the
    // providers before them off, one after the other.
    const switchOff = async (id: string) => {
      const off = await admin('PATCH', `/api/admin/providers/${id}`, { enabled: false });
      expect(off.status, off.body).toBe(200);
    };
    await switchOff('byteplus');
    await run(falEdits);
    await switchOff('fal');
    await run(fallbacks);

    console.log(`[dev-fakes] passed: ${passed.join('; ')}`);
    const reached = new Set([...primaries, ...adminCases, ...fallbacks].map((c) => c.provider));
    expect(reached).toEqual(
      new Set([
        'openai',
        'google',
        'byteplus',
        'fal',
        'fireworks',
        'openrouter',
        'openai_compatible',
        'replicate',
      ]),
    );

    // Ctrl-C closes the fakes cleanly.
    await stack.stopAll();
    const exit = await fakes.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(fakes.output).toContain('Provider fakes stopped.');
  });
});
