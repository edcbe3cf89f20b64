import { describe, expect, it } from 'vitest';
import { createTranslator } from '../../../i18n';
import { messagesByLocale } from '../../../i18n/server';
import type { BillingNoticeView } from '../../../shared/billing';
import { noticeText } from './notices';

const en = createTranslator(messagesByLocale.en!);
const zh = createTranslator(messagesByLocale.zh!);

function notice(overrides: Partial<BillingNoticeView>): BillingNoticeView {
  return {
    id: 'n1',
    kind: 'clawback',
    credits: null,
    unrecovered: null,
    createdAt: '2027-03-04T10:00:00Z',
    ...overrides,
  };
}

describe('noticeText', () => {
  it('says how many credits a claw-back took back', () => {
    const text = noticeText(en, 'en', notice({ credits: 1000 })).text;
    expect(text).toContain('1,000 credits');
    expect(text).toBe(en('billing.notice.clawback', { credits: '1,000 credits' }));
    expect(noticeText(zh, 'zh', notice({ credits: 1000 })).text).toContain('1,000 点');
  });

  it('adds the credits that could not be taken back because they were spent', () => {
    const text = noticeText(en, 'en', notice({ credits: 80, unrecovered: 20 })).text;
    expect(text).toBe(
      `${en('billing.notice.clawback', { credits: '80 credits' })} ${en('billing.notice.unrecovered', { credits: '20 credits' })}`,
    );
    expect(noticeText(zh, 'zh', notice({ credits: 80, unrecovered: 20 })).text).toBe(
      `${zh('billing.notice.clawback', { credits: '80 点' })}${zh('billing.notice.unrecovered', { credits: '20 点' })}`,
    );
    const onlyUnrecovered = noticeText(en, 'en', notice({ credits: 0, unrecovered: 1 })).text;
    expect(onlyUnrecovered).toBe(en('billing.notice.unrecovered', { credits: '1 credit' }));
  });

  it('reports a dispute that took nothing back yet as an open dispute', () => {
    expect(noticeText(en, 'en', notice({ kind: 'dispute' })).text).toBe(en('billing.notice.dispute'));
    expect(noticeText(en, 'en', notice({ kind: 'dispute', credits: 5 })).text).toBe(
      en('billing.notice.clawback', { credits: '5 credits' }),
    );
  });

  it('asks for a new card after a failed payment, with the portal', () => {
    expect(noticeText(en, 'en', notice({ kind: 'payment_failed' }))).toEqual({
      text: en('billing.notice.paymentFailed'),
      offersPortal: true,
    });
  });

  it('still says something for a claw-back without figures', () => {
    expect(noticeText(en, 'en', notice({})).text).toBe(en('billing.notice.clawbackNone'));
  });
});
