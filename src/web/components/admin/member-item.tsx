/**
 * One member on the admin Members page: email, name, role, when they
 * joined, and their available and held credits, expanding into a form to
 * grant or revoke credits with a reason. The form sends one idempotency key
 * per submission and keeps it until the draft changes or the submission is
 * answered, so a resend after a network failure cannot apply twice. A
 * refused over-revoke says what is available next to the amount; a partial
 * revoke says what could not be recovered.
 */
import { useId, useRef, useState } from 'react';
import { ApiError } from '../../lib/api';
import { formatNumber } from '../../lib/count-text';
import { useI18n } from '../../lib/i18n';
import { newIdempotencyKey } from '../generation/api';
import { Button } from '../ui/button';
import { Field, TextField, Textarea } from '../ui/input';
import { adjustCredits } from './api';
import { Badge, CheckboxField, FormStatus } from './controls';
import {
  adjustmentBody,
  adjustmentOutcome,
  emptyAdjustment,
  MAX_REASON_LENGTH,
  type AdjustmentDraft,
} from './credit-adjustment';
import type { AdminMember, CreditAdjustmentResult } from './types';
import { useAdminForm } from './use-admin-form';

const formFields = new Set(['amount', 'reason', 'expiresAt']);

export function MemberItem({ member }: { member: AdminMember }) {
  const { t, locale } = useI18n();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [balance, setBalance] = useState({ available: member.available, held: member.held });
  const joined = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(new Date(member.createdAt));

  return (
    <li className="rounded-lg border bg-card" data-testid="admin-member" data-member-id={member.id}>
      <div className="flex flex-wrap items-start gap-3 p-4">
        <div className="grid min-w-0 flex-1 gap-1">
          <h3 className="flex flex-wrap items-center gap-2 font-semibold">
            <span className="break-all">{member.email}</span>
            {member.role === 'admin' ? <Badge>{t('admin.members.admin')}</Badge> : null}
          </h3>
          <p className="flex flex-wrap gap-x-3 gap-y-1 text-xs text-muted-foreground">
            <span className="break-words">{member.name}</span>
            <span>{t('admin.members.joined', { date: joined })}</span>
          </p>
          <p className="flex flex-wrap gap-x-3 gap-y-1 text-sm" data-testid="member-balance">
            <span>{t('admin.members.available', { count: formatNumber(locale, balance.available) })}</span>
            <span className="text-muted-foreground">
              {t('admin.members.held', { count: formatNumber(locale, balance.held) })}
            </span>
          </p>
        </div>
        <Button
          variant="outline"
          size="sm"
          aria-expanded={open}
          aria-controls={`${id}-adjust`}
          onClick={() => setOpen((o) => !o)}
          data-testid="member-adjust-toggle"
        >
          {open ? t('admin.members.adjust.close') : t('admin.members.adjust.open')}
          <span className="sr-only"> {member.email}</span>
        </Button>
      </div>
      {open ? (
        <div id={`${id}-adjust`} className="border-t p-4">
          <AdjustCreditsForm member={member} onAdjusted={(result) => setBalance(result.balance)} />
        </div>
      ) : null}
    </li>
  );
}

function AdjustCreditsForm({
  member,
  onAdjusted,
}: {
  member: AdminMember;
  onAdjusted: (result: CreditAdjustmentResult) => void;
}) {
  const { t, locale } = useI18n();
  const id = useId();
  const form = useAdminForm();
  const [draft, setDraft] = useState<AdjustmentDraft>(emptyAdjustment);
  // One key per submission; a changed draft is a new submission.
  const key = useRef<string | null>(null);
  const set = <K extends keyof AdjustmentDraft>(field: K, value: AdjustmentDraft[K]) => {
    key.current = null;
    setDraft((d) => ({ ...d, [field]: value }));
  };
  const isGrant = draft.action === 'grant';

  const submit = () => {
    key.current ??= newIdempotencyKey();
    const built = adjustmentBody(draft, key.current, new Date());
    if ('problems' in built) {
      form.reject(built.problems);
      return;
    }
    void form
      .run(
        async () => {
          try {
            return await adjustCredits(member.id, built.body, locale);
          } catch (error) {
            // The API's text is written for members; say what it means here.
            if (error instanceof ApiError && error.code === 'insufficient_credits') {
              throw new ApiError(
                error.status,
                error.code,
                t('admin.members.adjust.overRevoke'),
                error.fields,
              );
            }
            throw error;
          }
        },
        {
          success: (result) => {
            const { key: message, vars } = adjustmentOutcome(result);
            const formatted = Object.fromEntries(
              Object.entries(vars).map(([name, value]) => [
                name,
                typeof value === 'number' ? formatNumber(locale, value) : value,
              ]),
            );
            return t(message, formatted);
          },
          shows: (field) => formFields.has(field),
        },
      )
      .then((result) => {
        if (!result) return;
        key.current = null;
        setDraft((d) => ({ ...emptyAdjustment, action: d.action }));
        onAdjusted(result);
      });
  };

  return (
    <form
      noValidate
      className="grid grid-cols-1 gap-4"
      aria-label={t('admin.members.adjust.openLabel', { email: member.email })}
      data-testid="adjust-credits-form"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <fieldset className="grid gap-2">
        <legend className="text-sm font-medium">{t('admin.members.adjust.action')}</legend>
        <div className="flex flex-wrap gap-4">
          {(['grant', 'revoke'] as const).map((action) => (
            <label key={action} className="flex items-center gap-2 text-sm">
              <input
                type="radio"
                name={`${id}-action`}
                className="size-4 accent-[var(--primary)]"
                checked={draft.action === action}
                onChange={() => set('action', action)}
                data-testid={`adjust-action-${action}`}
              />
              {t(action === 'grant' ? 'admin.members.adjust.grant' : 'admin.members.adjust.revoke')}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="grid grid-cols-1 items-start gap-4 sm:grid-cols-2">
        <TextField
          id={`${id}-amount`}
          label={t('admin.members.adjust.amount')}
          inputMode="numeric"
          autoComplete="off"
          value={draft.amount}
          onValue={(value) => set('amount', value)}
          error={form.fieldErrors.amount}
          required
          data-testid="adjust-amount"
        />
        {isGrant ? (
          <TextField
            id={`${id}-expires`}
            type="date"
            label={t('admin.members.adjust.expiresAt')}
            hint={t('admin.members.adjust.expiresAtHint')}
            value={draft.expiresOn}
            onValue={(value) => set('expiresOn', value)}
            error={form.fieldErrors.expiresAt}
            data-testid="adjust-expires"
          />
        ) : null}
      </div>
      <Field
        id={`${id}-reason`}
        label={t('admin.members.adjust.reason')}
        hint={t('admin.members.adjust.reasonHint')}
        error={form.fieldErrors.reason}
      >
        {(props) => (
          <Textarea
            {...props}
            className="min-h-20"
            maxLength={MAX_REASON_LENGTH}
            required
            value={draft.reason}
            onChange={(event) => set('reason', event.target.value)}
            data-testid="adjust-reason"
          />
        )}
      </Field>
      {isGrant ? null : (
        <CheckboxField
          label={t('admin.members.adjust.allowPartial')}
          checked={draft.allowPartial}
          onChange={(checked) => set('allowPartial', checked)}
          testId="adjust-allow-partial"
        />
      )}
      <div>
        <Button
          type="submit"
          variant={isGrant ? 'primary' : 'destructive'}
          disabled={form.busy}
          data-testid="adjust-submit"
        >
          {form.busy
            ? t('admin.saving')
            : t(isGrant ? 'admin.members.adjust.grant' : 'admin.members.adjust.revoke')}
        </Button>
      </div>
      <FormStatus error={form.formError} success={form.success} testId="adjust-credits" />
    </form>
  );
}
