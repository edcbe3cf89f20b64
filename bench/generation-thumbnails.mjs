/**
 * The thumbnail phase of bench/generation.mjs, in the benchmark's own
 * process: on provider-made images (BENCH_THUMB_INPUTS of BENCH_THUMB_SIZE,
 * BENCH_THUMB_CONCURRENCY at a time, BENCH_THUMB_ROUNDS interleaved rounds),
 * the platform's makeThumbnail against a bare sharp resize-to-WebP, and the
 * whole storing path (processImage + makeThumbnail) against its bare
 * equivalent. The platform's functions come from the caller, which loads
 * them from the TypeScript sources.
 */
import sharp from 'sharp';

const env = (name, fallback) => Number(process.env[name] || fallback);
const THUMB_INPUTS = env('BENCH_THUMB_INPUTS', 16);
const THUMB_ROUNDS = env('BENCH_THUMB_ROUNDS', 6);
const THUMB_CONCURRENCY = env('BENCH_THUMB_CONCURRENCY', 4);
const THUMB_SIZE = process.env.BENCH_THUMB_SIZE || '1024x1024';
const round = (value, digits = 1) => (value === undefined ? null : Number(value.toFixed(digits)));

export async function thumbnailPhase({ makeThumbnail, processImage, renderLocalImage, prompts }) {
  const [width, height] = THUMB_SIZE.split('x').map(Number);
  const inputs = [];
  for (let i = 0; i < THUMB_INPUTS; i++) {
    inputs.push(
      Buffer.from(
        await renderLocalImage({
          model: 'preview',
          prompt: prompts[i % prompts.length],
          seed: i,
          width,
          height,
        }),
      ),
    );
  }
  // The reference named by the issue: sharp's defaults (WebP quality 80, effort 4).
  const raw = (input) => sharp(input).resize(512, 512, { fit: 'inside' }).webp().toBuffer();
  // The same encoder settings as makeThumbnail, so the ratio shows the platform's own cost.
  const rawSameEncoder = (input) =>
    sharp(input)
      .resize(512, 512, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80, effort: 1 })
      .toBuffer();
  const variants = {
    platform: (input) => makeThumbnail(input),
    raw,
    rawSameEncoder,
    // What storing a generation does per image: the original re-encoded and the thumbnail, together.
    platformStoring: (input) => Promise.all([processImage(input), makeThumbnail(input)]),
    rawStoring: (input) => Promise.all([sharp(input).png().toBuffer(), rawSameEncoder(input)]),
  };
  const run = async (fn) => {
    let nextInput = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: THUMB_CONCURRENCY }, async () => {
        while (nextInput < inputs.length) await fn(inputs[nextInput++]);
      }),
    );
    return performance.now() - started;
  };
  const totals = Object.fromEntries(Object.keys(variants).map((name) => [name, 0]));
  for (const fn of Object.values(variants)) await run(fn); // warm-up
  // Interleaved, so a change in the machine's load falls on both sides alike.
  for (let r = 0; r < THUMB_ROUNDS; r++) {
    for (const [name, fn] of Object.entries(variants)) totals[name] += await run(fn);
  }
  const rate = (name) => (inputs.length * THUMB_ROUNDS) / (totals[name] / 1000);
  return {
    inputSize: THUMB_SIZE,
    inputs: inputs.length,
    rounds: THUMB_ROUNDS,
    concurrency: THUMB_CONCURRENCY,
    sharpConcurrency: sharp.concurrency(),
    makeThumbnailPerSecond: round(rate('platform')),
    rawSharpPerSecond: round(rate('raw')),
    percentOfRaw: round((rate('platform') / rate('raw')) * 100),
    rawSameEncoderPerSecond: round(rate('rawSameEncoder')),
    percentOfRawSameEncoder: round((rate('platform') / rate('rawSameEncoder')) * 100),
    storingPath: {
      processImageAndThumbnailPerSecond: round(rate('platformStoring')),
      rawPngAndThumbnailPerSecond: round(rate('rawStoring')),
      percentOfRaw: round((rate('platformStoring') / rate('rawStoring')) * 100),
    },
  };
}
