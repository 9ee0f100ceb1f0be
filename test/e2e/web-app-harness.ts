/**
 * What only the web app's own browser tests need (not a test file): the accessibility audit (axe-core
 * run inside the page) and the sideways-overflow check of a phone-width page. The parts every browser
 * test shares (Chromium, `byoda up` as a child process, the trusted SPKI hash, the owner API from Node)
 * are in test/fixtures/browser-network.ts, re-exported here for the web app's test.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

export * from '../fixtures/browser-network.js';

const require = createRequire(import.meta.url);
/** axe-core's browser bundle, evaluated in the page over the DevTools protocol (the CSP does not apply). */
const AXE_SOURCE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[] }[];
}

/** The serious and critical WCAG 2.x A/AA violations axe-core finds on the page as it is now. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  // A string, run in the page: Node's types know no `document` (the test runs outside the page).
  const violations = (await page.evaluate(`(async () => {
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  })()`)) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** How far the page is wider than the window (0: nothing overflows sideways). */
export function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate('document.documentElement.scrollWidth - window.innerWidth') as Promise<number>;
}
