import { data, Outlet } from 'react-router';
import type { Route } from './+types/lang-layout';
import { isLocale } from '../../i18n/server';

/** Every page lives under a language prefix; an unknown one is a 404. */
export function loader({ params }: Route.LoaderArgs) {
  if (!isLocale(params.lang)) throw data(null, { status: 404 });
  return null;
}

export default function LangLayout() {
  return <Outlet />;
}
