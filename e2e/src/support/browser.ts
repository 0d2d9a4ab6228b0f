import { readFileSync } from 'node:fs';
import { type Browser, type Page, chromium } from 'playwright-core';

/** Debian's chromium, headless, no browser download (issue 9). */
const CHROMIUM = process.env.ROSTER_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  nodes: { target: string[] }[];
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * The serious and critical axe-core violations of the page as it is now. Evaluated through the DevTools protocol:
 * the console's Content-Security-Policy forbids inline scripts. The callbacks run in the page (the e2e tsconfig
 * has no DOM types, hence the casts of globalThis).
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const w = globalThis as unknown as { document: unknown; axe: { run: (ctx: unknown, o: object) => Promise<{ violations: AxeViolation[] }> } };
    const result = await w.axe.run(w.document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
