/**
 * The billing page's lists: notices (claw-backs, disputes, failed payments),
 * orders with their receipts, and invoices with Stripe's hosted pages. The
 * tables scroll sideways on phones inside a labelled, focusable region, so
 * keyboard users can scroll them too.
 */
import type { ReactNode } from 'react';
import type {
  BillingCatalogView,
  BillingInvoiceView,
  BillingNoticeView,
  BillingOrderView,
  OrderStatus,
} from '../../../shared/billing';
import { cn } from '../../lib/cn';
import { useI18n } from '../../lib/i18n';
import { Button } from '../ui/button';
import { findItem } from './catalog';
import { formatDay, formatMoment, formatPeriod } from './dates';
import { formatMoney } from './money';
import { creditsText, invoiceStatusName, itemName } from './names';
import { noticeText } from './notices';

export type PillTone = 'neutral' | 'progress' | 'good' | 'bad';

const pillTones: Record<PillTone, string> = {
  neutral: 'border-border text-muted-foreground',
  progress: 'border-primary/40 bg-accent text-accent-foreground',
  good: 'border-success/40 text-success',
  bad: 'border-destructive/40 text-destructive',
};

/** A status as a small pill; colour is never the only cue (the word is always there). */
export function StatusPill({ tone, children }: { tone: PillTone; children: ReactNode }) {
  return (
    <span
      className={cn(
        'inline-flex items-center rounded-full border px-2 py-0.5 text-xs font-medium whitespace-nowrap',
        pillTones[tone],
      )}
    >
      {children}
    </span>
  );
}

const orderTones: Record<OrderStatus, PillTone> = {
  open: 'neutral',
  processing: 'progress',
  paid: 'good',
  failed: 'bad',
  expired: 'neutral',
};

function invoiceTone(status: string): PillTone {
  if (status === 'paid') return 'good';
  if (status === 'open') return 'progress';
  if (status === 'uncollectible') return 'bad';
  return 'neutral';
}

function NewTabHint() {
  const { t } = useI18n();
  return <span className="sr-only"> {t('billingItem.newTab')}</span>;
}

const linkClass = 'font-medium text-primary underline underline-offset-4 hover:no-underline';
const cell = 'p-3 align-top';

export function NoticeList({
  notices,
  onPortal,
  portalBusy,
}: {
  notices: readonly BillingNoticeView[];
  onPortal: (() => void) | null;
  portalBusy: boolean;
}) {
  const { t, locale } = useI18n();
  return (
    <section aria-labelledby="billing-notices-heading" className="mt-8">
      <h2 id="billing-notices-heading" className="text-lg font-semibold">
        {t('billing.notices.heading')}
      </h2>
      <ul className="mt-3 grid gap-2" data-testid="billing-notices">
        {notices.map((notice) => {
          const { text, offersPortal } = noticeText(t, locale, notice);
          const warning = notice.kind === 'payment_failed';
          return (
            <li
              key={notice.id}
              className={cn(
                'flex flex-col gap-3 rounded-md border px-4 py-3 text-sm sm:flex-row sm:items-center sm:justify-between',
                warning ? 'border-destructive text-destructive' : 'bg-card',
              )}
              data-kind={notice.kind}
            >
              <p>
                <time dateTime={notice.createdAt} className="mr-2 text-xs text-muted-foreground">
                  {formatDay(locale, notice.createdAt)}
                </time>
                {text}
              </p>
              {offersPortal && onPortal ? (
                <Button
                  variant="outline"
                  size="sm"
                  onClick={onPortal}
                  disabled={portalBusy}
                  className="shrink-0"
                >
                  {t('billing.notice.updateCard')}
                </Button>
              ) : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** A column heading; `end` aligns it (and its figures) to the end. */
interface Column {
  label: string;
  end?: boolean;
}

/**
 * A titled table of the member's billing history, or a dashed note when it
 * is empty. The table scrolls sideways on narrow screens inside a focusable
 * region (a region that scrolls must be reachable by keyboard), positioned
 * so the screen-reader-only texts scroll with it instead of widening the page.
 */
function TableSection({
  id,
  heading,
  empty,
  testId,
  minWidth,
  columns,
  children,
}: {
  id: string;
  heading: string;
  /** Shown instead of the table when there are no rows. */
  empty: string | null;
  testId: string;
  minWidth: string;
  columns: readonly Column[];
  children: ReactNode;
}) {
  return (
    <section aria-labelledby={id} className="mt-10">
      <h2 id={id} className="text-lg font-semibold">
        {heading}
      </h2>
      {empty !== null ? (
        <p
          className="mt-3 rounded-lg border border-dashed p-6 text-center text-sm text-muted-foreground"
          data-testid={testId}
        >
          {empty}
        </p>
      ) : (
        <div
          role="region"
          aria-labelledby={id}
          tabIndex={0}
          className="relative mt-3 overflow-x-auto rounded-lg border bg-card"
          data-testid={testId}
        >
          <table className={cn('w-full text-left text-sm', minWidth)}>
            <thead className="bg-muted">
              <tr>
                {columns.map((column) => (
                  <th
                    key={column.label}
                    scope="col"
                    className={cn('p-3 font-medium', column.end && 'text-right')}
                  >
                    {column.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>{children}</tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function OrdersTable({
  orders,
  catalog,
}: {
  orders: readonly BillingOrderView[];
  catalog: BillingCatalogView | null;
}) {
  const { t, locale } = useI18n();
  return (
    <TableSection
      id="billing-orders-heading"
      heading={t('billing.orders.heading')}
      empty={orders.length === 0 ? t('billing.orders.empty') : null}
      testId="billing-orders"
      minWidth="min-w-[40rem]"
      columns={[
        { label: t('billing.orders.date') },
        { label: t('billing.orders.item') },
        { label: t('billing.orders.credits'), end: true },
        { label: t('billing.orders.status') },
        { label: t('billing.orders.amount'), end: true },
        { label: t('billing.orders.receipt') },
      ]}
    >
      {orders.map((order) => (
        <tr key={order.id} className="border-t" data-order={order.id} data-status={order.status}>
          <td className={cn(cell, 'whitespace-nowrap')}>
            <time dateTime={order.createdAt}>{formatMoment(locale, order.createdAt)}</time>
          </td>
          <td className={cell}>{itemName(t, locale, order, findItem(catalog, order.kind, order.itemId))}</td>
          <td className={cn(cell, 'text-right whitespace-nowrap tabular-nums')}>
            {creditsText(t, locale, order.credits)}
            {order.creditsClawedBack > 0 ? (
              <span className="block text-xs text-destructive">
                {t('billing.orders.clawedBack', {
                  credits: creditsText(t, locale, order.creditsClawedBack),
                })}
              </span>
            ) : null}
          </td>
          <td className={cell}>
            <StatusPill tone={orderTones[order.status]}>
              {t(`billing.orderStatus.${order.status}`)}
            </StatusPill>
          </td>
          <td className={cn(cell, 'text-right whitespace-nowrap tabular-nums')}>
            {order.amount !== null && order.currency
              ? formatMoney(locale, order.amount, order.currency)
              : '—'}
          </td>
          <td className={cell}>
            {order.receiptPath ? (
              <a href={order.receiptPath} target="_blank" rel="noopener" className={linkClass}>
                {t('billing.orders.viewReceipt')}
                <NewTabHint />
              </a>
            ) : (
              <span className="text-muted-foreground">—</span>
            )}
          </td>
        </tr>
      ))}
    </TableSection>
  );
}

export function InvoicesTable({ invoices }: { invoices: readonly BillingInvoiceView[] }) {
  const { t, locale } = useI18n();
  return (
    <TableSection
      id="billing-invoices-heading"
      heading={t('billing.invoices.heading')}
      empty={invoices.length === 0 ? t('billing.invoices.empty') : null}
      testId="billing-invoices"
      minWidth="min-w-[44rem]"
      columns={[
        { label: t('billing.invoices.date') },
        { label: t('billing.invoices.period') },
        { label: t('billing.invoices.amount'), end: true },
        { label: t('billing.invoices.credits'), end: true },
        { label: t('billing.invoices.status') },
        { label: t('billing.invoices.invoice') },
      ]}
    >
      {invoices.map((invoice) => (
        <tr key={invoice.id} className="border-t" data-invoice={invoice.id} data-status={invoice.status}>
          <td className={cn(cell, 'whitespace-nowrap')}>
            <time dateTime={invoice.createdAt}>{formatDay(locale, invoice.createdAt)}</time>
          </td>
          <td className={cell}>{formatPeriod(locale, invoice.periodStart, invoice.periodEnd) || '—'}</td>
          <td className={cn(cell, 'text-right whitespace-nowrap tabular-nums')}>
            {formatMoney(locale, invoice.amountPaid, invoice.currency)}
          </td>
          <td className={cn(cell, 'text-right whitespace-nowrap tabular-nums')}>
            {creditsText(t, locale, invoice.creditsGranted)}
          </td>
          <td className={cell}>
            <StatusPill tone={invoiceTone(invoice.status)}>{invoiceStatusName(t, invoice.status)}</StatusPill>
          </td>
          <td className={cell}>
            {invoice.hostedInvoiceUrl ? (
              <a
                href={invoice.hostedInvoiceUrl}
                target="_blank"
                rel="noopener noreferrer"
                className={linkClass}
              >
                {t('billing.invoices.view')}
                <NewTabHint />
              </a>
            ) : (
              <span className="text-muted-foreground">—</span>
            )}
          </td>
        </tr>
      ))}
    </TableSection>
  );
}
