import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DARK_PALETTE, LIGHT_PALETTE } from '../../lambdas/api/page-style';
import { contrastRatio } from '../support/contrast';

const CONSOLE_CSS = readFileSync(new URL('../../local/console/console.css', import.meta.url), 'utf8');

/** The custom properties of the console's first `:root` block (light) and of its dark-scheme block. */
function consolePalettes(): { light: Record<string, string>; dark: Record<string, string> } {
  const light = /^:root \{([^}]*)\}/m.exec(CONSOLE_CSS)?.[1];
  const dark = /@media \(prefers-color-scheme: dark\) \{\s*:root \{([^}]*)\}/.exec(CONSOLE_CSS)?.[1];
  if (!light || !dark) throw new Error('console.css has no light :root or no dark-scheme :root block');
  const properties = (block: string) =>
    Object.fromEntries([...block.matchAll(/--([\w-]+):\s*([^;]+);/g)].map((m) => [m[1], m[2]?.trim()]));
  const lightProperties = properties(light);
  return { light: lightProperties, dark: { ...lightProperties, ...properties(dark) } };
}

/** Text on its background: AA for normal text (4.5:1); focus rings and field borders: 3:1. */
const TEXT_PAIRS: Array<[string, string]> = [
  ['fg', 'bg'],
  ['muted', 'bg'],
  ['accent', 'bg'],
  ['on-accent', 'accent'],
  ['red', 'bg'],
  ['amber', 'bg'],
  ['green', 'bg'],
  ['p1-fg', 'p1-bg'],
  ['red', 'red-bg'],
  ['amber', 'amber-bg'],
  ['green', 'green-bg'],
  ['red', 'p1-row'],
  ['muted', 'p1-row'],
  ['amber', 'p1-row'],
  ['fg', 'surface'],
  ['muted', 'surface'],
  ['top-fg', 'top-bg'],
  ['top-muted', 'top-bg'],
];
const NON_TEXT_PAIRS: Array<[string, string]> = [
  ['focus', 'bg'],
  ['top-focus', 'top-bg'],
  ['field-line', 'bg'],
];

describe('the console’s colours and the server-rendered pages’ colours', () => {
  const { light, dark } = consolePalettes();

  it('are the same, in the light theme and in the dark one', () => {
    for (const [name, colour] of Object.entries(LIGHT_PALETTE)) expect(light[name], `--${name}`).toBe(colour);
    for (const [name, colour] of Object.entries(DARK_PALETTE)) expect(dark[name], `--${name}`).toBe(colour);
  });

  it.each([
    ['light', light],
    ['dark', dark],
  ])(
    'meet WCAG AA in the %s theme: 4.5:1 for text, 3:1 for focus rings and field borders',
    (_theme, palette) => {
      const ratio = ([a, b]: [string, string]) => {
        const [ca, cb] = [palette[a], palette[b]];
        if (!ca || !cb) throw new Error(`console.css defines no --${ca ? b : a}`);
        return contrastRatio(ca, cb);
      };
      for (const pair of TEXT_PAIRS) expect(ratio(pair), pair.join(' on ')).toBeGreaterThanOrEqual(4.5);
      for (const pair of NON_TEXT_PAIRS) expect(ratio(pair), pair.join(' on ')).toBeGreaterThanOrEqual(3);
    },
  );
});
