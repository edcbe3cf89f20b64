import { data, Outlet } from 'react-router';
import type { Route } from './+types/admin-layout';
import { appContext } from '../app-context';
import { AdminNav } from '../components/admin/admin-nav';
import { pageMessages } from '../lib/messages.server';

/**
 * Admin pages: for admins only. Everyone else gets the 404 page, exactly as
 * for a path that does not exist (decision 016), so the admin area is not
 * even revealed. (Signed-out visitors were already sent to sign-in by the
 * member layout.) The pages' texts come with this layout, for all three.
 */
export async function loader({ context, params }: Route.LoaderArgs) {
  const session = await context.get(appContext)?.getSession();
  if (session?.user.role !== 'admin') throw data(null, { status: 404 });
  return { messages: pageMessages(params.lang, 'admin') };
}

export default function AdminLayout() {
  return (
    <div className="mx-auto max-w-5xl px-4 py-6 sm:py-8">
      <AdminNav />
      <Outlet />
    </div>
  );
}
