/**
 * A tiny history router: the pod answers every non-API path with index.html (src/pod/web-app.ts), so
 * pages have real URLs that survive a reload.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { atBase, pagePath } from './base.js';

const listeners = new Set<() => void>();

export function navigate(path: string): void {
  if (path === pagePath(location.pathname)) return;
  history.pushState(null, '', atBase(path));
  for (const listener of listeners) listener();
}

export function usePath(): string {
  const [path, setPath] = useState(pagePath(location.pathname));
  useEffect(() => {
    const update = () => setPath(pagePath(location.pathname));
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return path;
}

interface LinkProps {
  readonly href: string;
  readonly children: ComponentChildren;
  readonly current?: boolean;
  readonly class?: string;
}

/** An ordinary link that navigates without a reload (a modified click opens a tab as usual). */
export function Link({ href, children, current, class: className }: LinkProps) {
  const onClick = (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return (
    <a href={atBase(href)} class={className} aria-current={current ? 'page' : undefined} onClick={onClick}>
      {children}
    </a>
  );
}
