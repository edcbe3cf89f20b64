/**
 * Links are plain anchors; one document-level click handler (installed by
 * useLinkInterception in the shell) turns clicks on same-site page links into
 * client-side navigations. React Router's <Link> runs several hooks per link;
 * a page with ~20 links spent a measurable share of its server render there.
 * Modified clicks (new tab), downloads, other origins, non-page paths and
 * `data-reload` links keep the browser's default.
 */
import { useEffect, type AnchorHTMLAttributes } from 'react';
import { useNavigate } from 'react-router';

export interface AppLinkProps extends Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> {
  to: string;
}

export function AppLink({ to, ...props }: AppLinkProps) {
  return <a href={to} {...props} />;
}

export function isClientNavigable(url: URL, current: Location, locales: readonly string[]): boolean {
  if (url.origin !== current.origin) return false;
  if (!locales.includes(url.pathname.split('/')[1] ?? '')) return false; // /api, assets, files
  // In-page anchors (#main) stay with the browser.
  return !(url.pathname === current.pathname && url.search === current.search && url.hash !== '');
}

export function useLinkInterception(locales: readonly string[]) {
  const navigate = useNavigate();
  useEffect(() => {
    const onClick = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const anchor = (event.target as Element | null)?.closest?.('a[href]');
      if (!(anchor instanceof HTMLAnchorElement)) return;
      if ((anchor.target && anchor.target !== '_self') || anchor.hasAttribute('download')) return;
      if (anchor.dataset.reload !== undefined) return;
      const url = new URL(anchor.href);
      if (!isClientNavigable(url, window.location, locales)) return;
      event.preventDefault();
      void navigate(url.pathname + url.search + url.hash);
    };
    document.addEventListener('click', onClick);
    return () => document.removeEventListener('click', onClick);
  }, [navigate, locales]);
}
