/**
 * Turns a text model's answer into a prompt the member can use as it is.
 * Models asked for "the prompt only" still wrap it now and then: in a code
 * fence, in quotation marks (straight, curly or CJK corner brackets), in
 * bold, or after a label such as "Enhanced prompt:". This removes those
 * wrappings, only at the edges, and joins lines into one paragraph; the
 * text itself is left alone.
 */

const QUOTE_PAIRS: [string, string][] = [
  ['"', '"'],
  ["'", "'"],
  ['“', '”'],
  ['‘', '’'],
  ['「', '」'],
  ['『', '』'],
  ['«', '»'],
  ['`', '`'],
];

/** A leading label: "Prompt:", "Enhanced prompt:", "Translation:", "English prompt -", "提示词：" … */
const LABEL =
  /^(?:(?:here is |here's )?(?:the |your )?(?:(?:improved|enhanced|rewritten|refined|english|translated)\s+)?(?:image\s+)?(?:prompt|translation)|(?:优化后的|改写后的|英文)?(?:提示词|翻译|译文))\s*[:：\-–—]\s*/i;

function unwrapOnce(text: string): string {
  let out = text.trim();
  const fence = /^```[\w-]*\s*\n?([\s\S]*?)\n?```$/.exec(out);
  if (fence) out = fence[1]!.trim();
  out = out.replace(/^#{1,6}\s+/, '');
  const bold = /^(\*\*|__)([\s\S]+)\1$/.exec(out);
  if (bold) out = bold[2]!.trim();
  out = out.replace(/^(\*\*|__)?([^*_\n]{1,40}?)(\*\*|__)?\s*[:：]\s*(\*\*|__)?\s*/, (whole) =>
    LABEL.test(whole.replace(/\*\*|__/g, '')) ? '' : whole,
  );
  out = out.replace(LABEL, '');
  for (const [open, close] of QUOTE_PAIRS) {
    if (out.length >= 2 && out.startsWith(open) && out.endsWith(close)) {
      const inner = out.slice(open.length, -close.length);
      // Only a wrapping pair: `"a" and "b"` keeps its quotes.
      if (!inner.includes(open) && !inner.includes(close)) out = inner.trim();
    }
  }
  return out.trim();
}

/** The usable prompt in a model's answer; empty when nothing is left. */
export function cleanSuggestion(answer: string): string {
  let text = answer.replace(/\r\n?/g, '\n').trim();
  for (let i = 0; i < 4; i++) {
    const next = unwrapOnce(text);
    if (next === text) break;
    text = next;
  }
  return text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}
