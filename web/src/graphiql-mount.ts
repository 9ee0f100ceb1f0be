/**
 * GraphiQL (a React component) mounted into an element of the Preact app. This module and React are
 * loaded only when the explorer page opens. The fetcher sends the owner's token with every request to
 * the membership's endpoint; introspection is allowed for the owner (spec §7).
 */
import { GraphiQL } from 'graphiql';
import type { GraphiQLProps } from 'graphiql';
import 'graphiql/style.css';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';

export interface ExplorerOptions {
  readonly url: string;
  /** Read at each request, so a new login is picked up. */
  readonly token: () => string | undefined;
}

export function mountGraphiQL(element: HTMLElement, options: ExplorerOptions): () => void {
  const fetcher: GraphiQLProps['fetcher'] = async (params) => {
    const token = options.token();
    const response = await fetch(options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(params),
    });
    return (await response.json()) as Record<string, unknown>;
  };
  const labels = labelEditors(element);
  const root = createRoot(element);
  root.render(
    createElement(GraphiQL, {
      fetcher,
      defaultQuery:
        '# Queries run as the owner of this pod.\n{\n  person {\n    given_name\n    family_name\n  }\n}\n',
      isHeadersEditorEnabled: false,
      shouldPersistHeaders: false,
    }),
  );
  return () => {
    labels.disconnect();
    root.unmount();
  };
}

/** The editors' names, by the class of the pane around each CodeMirror's hidden textarea. */
const EDITOR_LABELS: readonly [string, string][] = [
  ['.graphiql-query-editor', 'GraphQL query'],
  ['.graphiql-editor-tool', 'Variables'],
  ['.graphiql-response', 'Response'],
];

/**
 * CodeMirror types into a hidden textarea that has no label (an accessibility audit's "critical"
 * finding): each gets the name of its pane as GraphiQL adds or replaces editors.
 */
function labelEditors(element: HTMLElement): MutationObserver {
  const label = () => {
    for (const textarea of element.querySelectorAll('textarea:not([aria-label])')) {
      const pane = EDITOR_LABELS.find(([selector]) => textarea.closest(selector));
      textarea.setAttribute('aria-label', pane?.[1] ?? 'GraphQL editor');
    }
  };
  const observer = new MutationObserver(label);
  observer.observe(element, { childList: true, subtree: true });
  return observer;
}
