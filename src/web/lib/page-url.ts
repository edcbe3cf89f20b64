/**
 * The page address a loader's request is for. On client-side navigations
 * React Router fetches `<path>.data` with a `_routes` parameter; sending a
 * member back there after sign-in would open the data, not the page.
 */
export function pagePathOf(url: URL): string {
  const params = new URLSearchParams(url.search);
  params.delete('_routes');
  const search = params.toString();
  const pathname = url.pathname.endsWith('.data') ? url.pathname.slice(0, -'.data'.length) : url.pathname;
  return search ? `${pathname}?${search}` : pathname;
}
