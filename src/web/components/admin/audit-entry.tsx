/**
 * One row of the admin audit log: when (in the reader's language and time
 * zone), who, the action and its target, and the details as "field:
 * from → to" lines (audit-details.ts). Actions and fields the page does not
 * know yet are shown as they are stored.
 */
import type { MessageKey } from '../../../i18n';
import { useI18n } from '../../lib/i18n';
import { formatDateTime } from '../generation/format';
import { detailLines } from './audit-details';
import type { AuditItem } from './types';

const actions: Record<string, MessageKey> = {
  'provider.create': 'admin.audit.action.providerCreate',
  'provider.update': 'admin.audit.action.providerUpdate',
  'provider.key_set': 'admin.audit.action.providerKeySet',
  'provider.key_removed': 'admin.audit.action.providerKeyRemoved',
  'model.create': 'admin.audit.action.modelCreate',
  'model.update': 'admin.audit.action.modelUpdate',
  'user.admin_granted': 'admin.audit.action.adminGranted',
  'user.admin_removed': 'admin.audit.action.adminRemoved',
  'credits.grant': 'admin.audit.action.creditsGrant',
  'credits.revoke': 'admin.audit.action.creditsRevoke',
};

const targets: Record<string, MessageKey> = {
  provider: 'admin.audit.target.provider',
  model: 'admin.audit.target.model',
  user: 'admin.audit.target.user',
};

const fields: Record<string, MessageKey> = {
  enabled: 'admin.audit.field.enabled',
  baseUrl: 'admin.audit.field.baseUrl',
  nameEn: 'admin.nameEn',
  nameZh: 'admin.nameZh',
  sortOrder: 'admin.models.sortOrder',
  pricing: 'admin.audit.field.pricing',
  routes: 'admin.audit.field.routes',
  hint: 'admin.audit.field.hint',
  keyHint: 'admin.audit.field.hint',
  adapter: 'admin.audit.field.adapter',
  email: 'admin.audit.field.email',
  amount: 'admin.audit.field.amount',
  reason: 'admin.audit.field.reason',
  expiresAt: 'admin.audit.field.expiresAt',
  allowPartial: 'admin.audit.field.allowPartial',
  revoked: 'admin.audit.field.revoked',
  unrecovered: 'admin.audit.field.unrecovered',
  transactionId: 'admin.audit.field.transactionId',
};

export function AuditEntry({ item }: { item: AuditItem }) {
  const { t, locale } = useI18n();
  const action = actions[item.action];
  const target = targets[item.targetType];
  const lines = detailLines(item.details, {
    on: t('admin.audit.on'),
    off: t('admin.audit.off'),
    none: t('admin.audit.none'),
  });
  return (
    <li className="grid grid-cols-1 gap-1.5 px-4 py-3" data-testid="audit-entry" data-action={item.action}>
      <p className="flex flex-wrap items-baseline gap-x-3 gap-y-1 text-sm">
        <span className="font-medium">{action ? t(action) : item.action}</span>
        <span className="text-muted-foreground">
          {target ? t(target) : item.targetType}{' '}
          <code className="font-mono text-foreground" data-testid="audit-target">
            {item.targetId}
          </code>
        </span>
      </p>
      <p className="flex flex-wrap gap-x-3 gap-y-1 text-xs text-muted-foreground">
        <time dateTime={item.createdAt}>{formatDateTime(locale, item.createdAt)}</time>
        <span className="break-all">{t('admin.audit.by', { email: item.actorEmail })}</span>
      </p>
      {lines.length > 0 ? (
        <dl className="grid grid-cols-1 gap-1 text-sm sm:grid-cols-[max-content_minmax(0,1fr)] sm:gap-x-4">
          {lines.map((line) => {
            const label = fields[line.field];
            return (
              <div key={line.field} className="contents">
                <dt className="text-muted-foreground">{label ? t(label) : line.field}</dt>
                <dd className="mb-1 break-words sm:mb-0">
                  {line.value !== undefined ? (
                    line.value
                  ) : (
                    <>
                      <span>{line.from}</span>
                      <span aria-hidden> → </span>
                      <span className="sr-only"> {t('admin.audit.to')} </span>
                      <span className="font-medium">{line.to}</span>
                    </>
                  )}
                </dd>
              </div>
            );
          })}
        </dl>
      ) : null}
    </li>
  );
}
