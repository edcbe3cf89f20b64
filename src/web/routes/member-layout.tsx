import { Outlet, redirect } from 'react-router';
import type { Route } from './+types/member-layout';
import { appContext } from '../app-context';
import { pagePathOf } from '../lib/page-url';

/** Pages for signed-in members; others are sent to sign-in and brought back after. */
export async function loader({ request, params, context }: Route.LoaderArgs) {
  const session = await context.get(appContext)?.getSession();
  if (!session) {
    const url = new URL(request.url);
    // The page itself (not React Router's .data address), with its query:
    // links such as /generate?from=<id> must survive the detour.
    throw redirect(`/${params.lang}/sign-in?next=${encodeURIComponent(pagePathOf(url))}`);
  }
  return { user: { name: session.user.name, email: session.user.email }, credits: session.credits };
}

export default function MemberLayout() {
  return <Outlet />;
}
