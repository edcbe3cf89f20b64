/**
 * What the chat fakes (DeepSeek, OpenAI chat, OpenRouter text models)
 * answer, so tests can assert exact text without a model: a request whose
 * system message asks for a translation gets a word-by-word "translation"
 * of known Chinese words; any other request gets the user's text with a
 * fixed set of enhancing words appended, in Chinese when the text is
 * Chinese. Deterministic: the same messages always give the same answer.
 */

/** Appended by the fake "enhancement" (English text). */
export const FAKE_ENHANCE_SUFFIX = 'richly detailed, soft cinematic light, balanced composition';
/** Appended by the fake "enhancement" (Chinese text). */
export const FAKE_ENHANCE_SUFFIX_ZH = '细节丰富，电影感柔光，构图均衡';

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

/** Longest entries first, so 橘猫 wins over 猫. */
const glossary: [string, string][] = (
  [
    ['一只', 'a'],
    ['一座', 'a'],
    ['橘猫', 'ginger cat'],
    ['猫', 'cat'],
    ['小狗', 'puppy'],
    ['狗', 'dog'],
    ['坐在', 'sitting on'],
    ['窗台', 'the windowsill'],
    ['看着', 'watching'],
    ['看', 'watching'],
    ['日落', 'the sunset'],
    ['月亮', 'the moon'],
    ['夜晚', 'night'],
    ['城市', 'city'],
    ['灯塔', 'lighthouse'],
    ['海边', 'by the sea'],
    ['悬崖', 'cliff'],
    ['森林', 'forest'],
    ['雪山', 'snowy mountains'],
    ['花', 'flowers'],
    ['水彩', 'watercolor'],
    ['油画', 'oil painting'],
    ['风格', 'style'],
  ] as [string, string][]
).sort((a, b) => b[0].length - a[0].length);

const punctuation: Record<string, string> = {
  '，': ',',
  '。': '.',
  '、': ',',
  '：': ':',
  '！': '!',
  '？': '?',
};

/** Whether a chat request's instructions ask for a translation (a fake may read its caller's wording). */
export function asksForTranslation(system: string): boolean {
  return /translat/i.test(system);
}

/** The fake "translation": known Chinese words in order, other Chinese characters dropped, Latin text kept. */
export function fakeTranslation(text: string): string {
  const words: string[] = [];
  let latin = '';
  const flush = () => {
    if (latin.trim()) words.push(latin.trim());
    latin = '';
  };
  for (let i = 0; i < text.length;) {
    const entry = glossary.find(([zh]) => text.startsWith(zh, i));
    if (entry) {
      flush();
      words.push(entry[1]);
      i += entry[0].length;
      continue;
    }
    const char = text[i]!;
    if (char in punctuation) {
      flush();
      words.push(punctuation[char]!);
    } else if (!CJK.test(char)) {
      latin += char;
    }
    i += 1;
  }
  flush();
  const sentence = words
    .join(' ')
    .replace(/ ([,.:!?])/g, '$1')
    .trim();
  return sentence === '' ? '(no known words)' : sentence;
}

/** The fake "enhancement": the text with fixed words appended, in the text's own language. */
export function fakeEnhancement(text: string): string {
  const base = text.trim().replace(/[.。,，]+$/, '');
  return CJK.test(base) ? `${base}，${FAKE_ENHANCE_SUFFIX_ZH}` : `${base}, ${FAKE_ENHANCE_SUFFIX}`;
}

/** The answer to one chat request. */
export function fakeChatAnswer(system: string, user: string): string {
  return asksForTranslation(system) ? fakeTranslation(user) : fakeEnhancement(user);
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The text of an OpenAI-style message's content: a string, or the text of its text parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(isObject)
    .map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : ''))
    .join('\n');
}

/** The system text and the last user text of an OpenAI-style `messages` array. */
export function chatTexts(messages: unknown): { system: string; user: string } {
  const list = Array.isArray(messages) ? messages.filter(isObject) : [];
  const system = list
    .filter((m) => m.role === 'system' || m.role === 'developer')
    .map((m) => contentText(m.content))
    .join('\n');
  const user = contentText(list.filter((m) => m.role === 'user').at(-1)?.content);
  return { system, user };
}

/** A rough token count (4 characters a token, as the fakes bill). */
export const fakeTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));
