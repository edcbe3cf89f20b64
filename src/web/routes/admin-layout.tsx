import { data, Outlet } from 'react-router';
import type { Route } from './+types/admin-layout';
import { appContext } from '../app-context';

/**
 * Admin pages: for admins only. Everyone else gets the 404 page, exactly as
 * for a path that does not exist (decision 016), so the admin area is not
 * even revealed. (Signed-out visitors were already sent to sign-in by the
 * member layout.)
 */
export async function loader({ context }: Route.LoaderArgs) {
  const session = await context.get(appContext)?.getSession();
  if (session?.user.role !== 'admin') throw data(null, { status: 404 });
  return null;
}

export default function AdminLayout() {
  return <Outlet />;
}
