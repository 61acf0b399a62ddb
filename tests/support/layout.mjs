// Layout and accessibility checks for browser tests: the viewports every page is seen at, a
// horizontal-overflow probe, axe-core (npm, pinned in package.json) injected from node_modules,
// and keyboard-only movement.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './paths.mjs';

/** Desktop, a common phone (390×844) and the narrowest supported width (360). */
export const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
  { name: 'narrow', width: 360, height: 740 },
];

const AXE_SOURCE = fs.readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

/** How far the page is wider than the window, in CSS pixels (0 when nothing overflows). */
export async function horizontalOverflow(page) {
  return page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));
}

/**
 * axe-core's serious and critical violations on the page as it is now, one line each
 * (rule, impact, the first few offending elements); empty when there are none.
 */
export async function seriousViolations(page) {
  // Evaluated through the driver, not as a <script>: the app's CSP allows no inline script.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.targets.join(' | ')}`);
}

/** Press Tab (Shift+Tab with `back`) until the focused element matches `selector`; fail after `limit`. */
export async function tabTo(page, selector, { limit = 60, back = false } = {}) {
  for (let i = 0; i < limit; i += 1) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** What has focus now: its id, or tag and text. */
export async function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    return e?.id ? `#${e.id}` : `${e?.tagName.toLowerCase()}:${e?.textContent?.trim().slice(0, 40)}`;
  });
}

let addresses = 0;
/**
 * Give a browser context a client address of its own (`CF-Connecting-IP`, passed through by
 * wrangler dev): a suite that signs in more than ten times a minute stays under the per-address
 * sign-in limit.
 */
export async function ownAddress(context) {
  addresses += 1;
  await context.setExtraHTTPHeaders({ 'cf-connecting-ip': `198.51.100.${addresses}` });
}
