import { data } from 'react-router';

/** Any unmatched URL: the root error boundary renders the localized 404 page. */
export function loader() {
  throw data(null, { status: 404 });
}

export default function NotFound() {
  return null;
}
