/**
 * Admin: members (reliability C8). Search members by a fragment of their
 * email, see each one's available and held credits, and grant or revoke
 * credits with a reason. Every adjustment is a ledger entry with the
 * admin as actor and appears in the audit log (src/server/admin/members.ts);
 * nothing here writes a balance.
 */
import { useCallback, useId, useState } from 'react';
import type { Route } from './+types/admin-members';
import { AdminPage } from '../components/admin/admin-page';
import { listMembers } from '../components/admin/api';
import { MemberItem } from '../components/admin/member-item';
import { LoadMore } from '../components/generation/load-more';
import { useCursorList } from '../components/generation/use-cursor-list';
import { Button } from '../components/ui/button';
import { Input, Label } from '../components/ui/input';
import { ListSkeleton, LoadFailed } from '../components/ui/load-states';
import { useI18n } from '../lib/i18n';
import { pageMeta } from '../lib/meta';

export const meta: Route.MetaFunction = (args) => [
  ...pageMeta(
    args,
    { title: 'admin.members.title', description: 'admin.members.description' },
    '/admin/members',
  ),
  { name: 'robots', content: 'noindex' },
];

export default function AdminMembers() {
  const { t, locale } = useI18n();
  const id = useId();
  const [typed, setTyped] = useState('');
  const [query, setQuery] = useState('');
  const fetchPage = useCallback(
    (cursor: string | null) => listMembers(query, cursor, locale),
    [query, locale],
  );
  const list = useCursorList(fetchPage);

  return (
    <AdminPage heading={t('admin.members.heading')} intro={t('admin.members.intro')}>
      <form
        role="search"
        className="flex flex-wrap items-end gap-2"
        data-testid="member-search"
        onSubmit={(event) => {
          event.preventDefault();
          setQuery(typed.trim());
        }}
      >
        <div className="grid min-w-0 flex-1 gap-1.5">
          <Label htmlFor={`${id}-query`}>{t('admin.members.search.label')}</Label>
          <Input
            id={`${id}-query`}
            type="search"
            autoCapitalize="none"
            spellCheck={false}
            placeholder={t('admin.members.search.placeholder')}
            value={typed}
            onChange={(event) => setTyped(event.target.value)}
            data-testid="member-search-query"
          />
        </div>
        <Button type="submit" variant="outline" data-testid="member-search-submit">
          {t('admin.members.search.submit')}
        </Button>
      </form>
      {list.status === 'loading' ? (
        <ListSkeleton
          label={t('admin.loading')}
          count={4}
          className="grid grid-cols-1 gap-2"
          itemClassName="h-20 rounded-lg border"
        />
      ) : list.status === 'error' ? (
        <LoadFailed message={t('admin.loadFailed')} retryLabel={t('admin.retry')} onRetry={list.reload} />
      ) : list.items.length === 0 ? (
        <p className="rounded-lg border border-dashed p-8 text-center text-sm text-muted-foreground">
          {t('admin.members.empty')}
        </p>
      ) : (
        <div>
          <ul className="grid grid-cols-1 gap-2" data-testid="member-list">
            {list.items.map((member) => (
              <MemberItem key={member.id} member={member} />
            ))}
          </ul>
          <LoadMore
            list={list}
            testId="member-load-more"
            texts={{
              loadMore: t('admin.members.loadMore'),
              loadingMore: t('admin.members.loadingMore'),
              failed: t('admin.members.loadMoreFailed'),
              end: t('admin.members.end'),
            }}
          />
        </div>
      )}
    </AdminPage>
  );
}
