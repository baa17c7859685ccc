/**
 * The style of the pages the API renders for a person's browser (the acknowledgement-link pages): the web
 * console's look, so a link opened from a page on a phone at night looks like the console it leads to.
 * The colours are the console's own (`local/console/console.css`, `:root` and its dark block; a test keeps
 * the two equal), light by day and dark when the phone asks for it, every pair WCAG AA.
 */

/** Custom property name (without `--`) → colour, as in the console's light `:root`. */
export const LIGHT_PALETTE = {
  fg: '#111',
  bg: '#fff',
  muted: '#555',
  line: '#ccc',
  accent: '#0b4f9c',
  'on-accent': '#fff',
  red: '#a40000',
  amber: '#7a4a00',
  green: '#11602b',
  'p1-fg': '#fff',
  'p1-bg': '#a40000',
  focus: '#0b4f9c',
} as const;

/** The same properties in the console's `prefers-color-scheme: dark` block. */
export const DARK_PALETTE: Record<keyof typeof LIGHT_PALETTE, string> = {
  fg: '#e8eaed',
  bg: '#121417',
  muted: '#a9b0b8',
  line: '#3a3f45',
  accent: '#8ab4f8',
  'on-accent': '#0b1a33',
  red: '#ff8a80',
  amber: '#ffcc66',
  green: '#7ee2a0',
  'p1-fg': '#fff',
  'p1-bg': '#b3261e',
  focus: '#ffb84d',
};

function properties(palette: Record<string, string>): string {
  return Object.entries(palette)
    .map(([name, colour]) => `--${name}:${colour}`)
    .join(';');
}

/** One small sheet, inlined in each page (allowed by its hash): no request, nothing from elsewhere. */
export const PAGE_STYLE =
  `:root{${properties(LIGHT_PALETTE)};color-scheme:light}` +
  `@media (prefers-color-scheme:dark){:root{${properties(DARK_PALETTE)};color-scheme:dark}}` +
  'body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:1rem;' +
  'color:var(--fg);background:var(--bg)}' +
  'main{max-width:32rem;margin:0 auto}h1{font-size:1.4rem;margin:.5rem 0 1rem;overflow-wrap:anywhere}' +
  'p{overflow-wrap:anywhere}' +
  'dl{display:grid;grid-template-columns:auto minmax(0,1fr);gap:.25rem 1rem;margin:1rem 0}' +
  'dt{color:var(--muted);font-weight:600}dd{margin:0;overflow-wrap:anywhere}' +
  '.badge{display:inline-block;padding:0 .45rem;border-radius:3px;font-weight:700;font-size:.85rem;' +
  'border:1px solid currentColor}' +
  '.priority-P1{color:var(--p1-fg);background:var(--p1-bg);border-color:var(--p1-bg)}' +
  '.priority-P2,.status-acknowledged{color:var(--amber)}.priority-P3,.priority-P4{color:var(--muted)}' +
  '.status-triggered{color:var(--red)}.status-resolved,.status-closed{color:var(--green)}' +
  'button{font:inherit;font-weight:600;width:100%;min-height:3rem;padding:.9rem;border:1px solid var(--accent);' +
  'border-radius:.5rem;background:var(--accent);color:var(--on-accent);cursor:pointer}' +
  ':focus-visible{outline:3px solid var(--focus);outline-offset:2px}' +
  'footer{margin-top:2rem;color:var(--muted);font-size:.85rem}';
