/**
 * The billing page's notices in words. A claw-back says how many credits a
 * refund or dispute took back and how many could not be (already spent); a
 * dispute without a claw-back says one is open; a failed payment asks for a
 * new card.
 */
import type { Translator } from '../../../i18n';
import type { BillingNoticeView } from '../../../shared/billing';
import { creditsText } from './names';

export interface NoticeText {
  text: string;
  /** Failed payments are fixed in the Stripe portal: the notice offers the portal button. */
  offersPortal: boolean;
}

export function noticeText(t: Translator, locale: string, notice: BillingNoticeView): NoticeText {
  const taken = notice.credits ?? 0;
  const unrecovered = notice.unrecovered ?? 0;
  if (notice.kind === 'payment_failed')
    return { text: t('billing.notice.paymentFailed'), offersPortal: true };
  const parts: string[] = [];
  if (taken > 0) parts.push(t('billing.notice.clawback', { credits: creditsText(t, locale, taken) }));
  else if (notice.kind === 'dispute') parts.push(t('billing.notice.dispute'));
  if (unrecovered > 0) {
    parts.push(t('billing.notice.unrecovered', { credits: creditsText(t, locale, unrecovered) }));
  }
  const [first, second] = parts;
  if (first === undefined) return { text: t('billing.notice.clawbackNone'), offersPortal: false };
  // Two sentences, joined as the language does (a space in English, nothing in Chinese).
  return {
    text: second === undefined ? first : t('billing.notice.both', { first, second }),
    offersPortal: false,
  };
}
