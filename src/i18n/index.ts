/**
 * Message types and formatting, for both server and browser. No message text
 * and no list of languages lives here: both are server-side (./server.ts)
 * and reach the browser through route loaders, per page and per language
 * (src/web/lib/i18n.tsx). English defines the keys.
 */
import type en from './messages/en.json';

export type MessageKey = keyof typeof en;
export type Messages = Partial<Record<MessageKey, string>>;
export type MessageVars = Record<string, string | number>;
export type Translator = (key: MessageKey, vars?: MessageVars) => string;

export const defaultLocale = 'en';
export type Locale = string;

/** Fills `{name}` placeholders; unknown ones stay as they are. */
export function formatMessage(template: string, vars?: MessageVars): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    Object.hasOwn(vars, name) ? String(vars[name]) : match,
  );
}

/**
 * A translator over one or more message sets (looked up in order, without
 * copying them together); a missing key shows as itself (tests catch it).
 */
export function createTranslator(messages: Messages | readonly Messages[]): Translator {
  const sets: readonly Messages[] = Array.isArray(messages) ? messages : [messages as Messages];
  return (key, vars) => {
    for (const set of sets) {
      const template = set[key];
      if (template !== undefined) return formatMessage(template, vars);
    }
    return key;
  };
}
