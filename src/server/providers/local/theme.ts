/**
 * Reads a prompt into a theme for the offline provider: the light (day,
 * sunset, night), the scene (forest, ocean, city, …) and a palette. Known
 * words in English or Chinese pick the scene and light; every other word is
 * hashed into a hue, so any prompt gets its own colours and the same prompt
 * always gets the same ones. Words in the negative prompt cannot pick a
 * scene or light.
 */
import { blendHue, hslToHex, type Hsl } from './color';
import { hashString } from './random';

export type Light = 'day' | 'sunset' | 'night';
export type Scene = 'forest' | 'ocean' | 'city' | 'desert' | 'snow' | 'bloom' | 'abstract';

export interface Palette {
  /** Top, middle and horizon of the sky. */
  sky: [string, string, string];
  /** Sun or moon. */
  glow: string;
  /** Ground layers, from the farthest to the nearest. */
  layers: string[];
  /** Small details (windows, petals, shapes), from the prompt's own words. */
  accents: string[];
  /** The line-drawing style's paper and inks. */
  paper: string;
  ink: string;
  accentInk: string;
}

export interface Theme {
  light: Light;
  scene: Scene;
  /** Hues (degrees) of the prompt's words that picked nothing. */
  hues: number[];
  palette: Palette;
}

// English words match whole (a trailing "s" is ignored); Chinese ones match
// anywhere, since Chinese is written without spaces.
const lightWords: Record<Exclude<Light, 'day'>, string[]> = {
  night: ['night', 'midnight', 'star', 'starry', 'moon', 'moonlight', 'galaxy', 'dark', '夜', '星', '月'],
  sunset: [
    'sunset',
    'sunrise',
    'dusk',
    'dawn',
    'evening',
    'twilight',
    'golden',
    '日落',
    '黄昏',
    '夕阳',
    '日出',
  ],
};

const sceneWords: Record<Exclude<Scene, 'abstract'>, string[]> = {
  forest: ['forest', 'tree', 'wood', 'woods', 'jungle', 'leaf', 'leaves', 'pine', 'moss', '森林', '树'],
  ocean: ['ocean', 'sea', 'wave', 'beach', 'water', 'lake', 'river', 'underwater', 'coral', '海', '湖', '河'],
  city: ['city', 'street', 'skyline', 'building', 'urban', 'neon', 'tower', 'town', '城市', '街', '楼'],
  desert: ['desert', 'sand', 'dune', 'canyon', 'cactus', 'cacti', '沙漠', '沙丘'],
  snow: ['snow', 'winter', 'ice', 'frozen', 'glacier', 'mountain', 'snowy', '雪', '冰', '山'],
  bloom: ['flower', 'garden', 'blossom', 'rose', 'spring', 'petal', 'tulip', 'meadow', '花'],
};

const stopWords = new Set([
  'a',
  'an',
  'the',
  'of',
  'and',
  'with',
  'in',
  'on',
  'at',
  'for',
  'to',
  'by',
  'from',
]);

interface Word {
  text: string;
  index: number;
}

function wordsOf(text: string): Word[] {
  return [...text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)].map((m) => ({ text: m[0], index: m.index }));
}

const isChinese = (keyword: string) => /\p{Script=Han}/u.test(keyword);
const singular = (word: string) => (word.length > 3 && word.endsWith('s') ? word.slice(0, -1) : word);

/** Where the first keyword of the list occurs in the text, or -1. */
function firstMatch(words: Word[], text: string, keywords: readonly string[]): number {
  let best = -1;
  for (const keyword of keywords) {
    const at = isChinese(keyword)
      ? text.indexOf(keyword)
      : (words.find((w) => w.text === keyword || singular(w.text) === keyword)?.index ?? -1);
    if (at >= 0 && (best < 0 || at < best)) best = at;
  }
  return best;
}

/** The key whose keywords occur first in the prompt, skipping keys the negative prompt names. */
function pick<K extends string>(
  table: Record<K, string[]>,
  prompt: { words: Word[]; text: string },
  negative: { words: Word[]; text: string },
): K | undefined {
  let chosen: K | undefined;
  let chosenAt = Infinity;
  for (const key of Object.keys(table) as K[]) {
    const keywords = table[key];
    if (firstMatch(negative.words, negative.text, keywords) >= 0) continue;
    const at = firstMatch(prompt.words, prompt.text, keywords);
    if (at >= 0 && at < chosenAt) {
      chosen = key;
      chosenAt = at;
    }
  }
  return chosen;
}

const allKeywords = new Set([...Object.values(lightWords), ...Object.values(sceneWords)].flat());

/** Base colour of each scene's ground; layers are lighter far away and darker near. */
const sceneGround: Record<Exclude<Scene, 'abstract'>, Hsl> = {
  forest: { h: 128, s: 45, l: 44 },
  ocean: { h: 202, s: 68, l: 52 },
  city: { h: 225, s: 12, l: 52 },
  desert: { h: 34, s: 62, l: 68 },
  snow: { h: 212, s: 22, l: 90 },
  bloom: { h: 105, s: 48, l: 52 },
};

const skies: Record<Light, [Hsl, Hsl, Hsl]> = {
  day: [
    { h: 212, s: 70, l: 52 },
    { h: 205, s: 70, l: 70 },
    { h: 195, s: 60, l: 87 },
  ],
  sunset: [
    { h: 262, s: 45, l: 28 },
    { h: 335, s: 62, l: 52 },
    { h: 30, s: 95, l: 62 },
  ],
  night: [
    { h: 230, s: 55, l: 8 },
    { h: 232, s: 45, l: 16 },
    { h: 250, s: 35, l: 28 },
  ],
};

/** The light's effect on ground colours: warmer and dimmer at sunset, dark and muted at night. */
function underLight(colour: Hsl, light: Light): Hsl {
  if (light === 'sunset') return { h: blendHue(colour.h, 15, 0.35), s: colour.s, l: colour.l * 0.8 };
  if (light === 'night') return { h: blendHue(colour.h, 235, 0.3), s: colour.s * 0.6, l: colour.l * 0.45 };
  return colour;
}

export function themeFromPrompt(prompt: string, negativePrompt = ''): Theme {
  const text = prompt.toLowerCase();
  const words = wordsOf(prompt);
  const positive = { words, text };
  const negative = { words: wordsOf(negativePrompt), text: negativePrompt.toLowerCase() };
  const light = pick(lightWords, positive, negative) ?? 'day';
  const scene = pick(sceneWords, positive, negative) ?? 'abstract';

  const free = words.map((w) => w.text).filter((w) => !stopWords.has(w) && !allKeywords.has(singular(w)));
  let hues = [...new Set(free)].slice(0, 3).map((w) => hashString(w) % 360);
  // Only keywords (or nothing): the light's own colour, else one from the whole text.
  if (hues.length === 0) hues = [light === 'sunset' ? 18 : light === 'night' ? 235 : hashString(text) % 360];
  // A sunset warms every colour.
  if (light === 'sunset') hues = hues.map((h) => blendHue(h, 18, 0.5));
  // Flowers keep to magenta, red, orange and yellow (300°-60°), so they stand out on green.
  if (scene === 'bloom') hues = hues.map((h) => 300 + ((((h - 300) % 120) + 120) % 120));

  const ground: Hsl = scene === 'abstract' ? { h: hues[0]!, s: 58, l: 60 } : sceneGround[scene];
  // Four layers, far to near: lighter and hazier far away (aerial perspective).
  const layers = [1.15, 0.95, 0.75, 0.55].map((factor, i) => {
    // Scenes keep their colour, shifted a little by the prompt's first word.
    const hue = scene === 'abstract' ? hues[i % hues.length]! : ground.h + (hues[0]! % 21) - 10;
    return hslToHex(underLight({ h: hue, s: ground.s, l: Math.min(96, ground.l * factor) }, light));
  });
  const sky = skies[light].map((c, i) =>
    hslToHex(
      scene === 'abstract' && light === 'day' ? { ...c, h: blendHue(c.h, hues[i % hues.length]!, 0.5) } : c,
    ),
  ) as Palette['sky'];
  const accents = hues.map((h) => hslToHex({ h, s: 78, l: light === 'night' ? 66 : 58 }));
  if (scene === 'city' && light === 'night') accents.unshift(hslToHex({ h: 46, s: 92, l: 66 }));

  const firstHue = hues[0]!;
  return {
    light,
    scene,
    hues,
    palette: {
      sky,
      glow: light === 'night' ? '#f3efd8' : light === 'sunset' ? '#ffcf73' : '#fff3c0',
      layers,
      accents,
      paper: hslToHex(
        light === 'night' ? { h: 222, s: 18, l: 90 } : { h: light === 'sunset' ? 28 : 42, s: 40, l: 95 },
      ),
      ink: hslToHex({ h: firstHue, s: 22, l: 17 }),
      accentInk: hslToHex({ h: firstHue, s: 55, l: 42 }),
    },
  };
}
