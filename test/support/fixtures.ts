import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository's own copy of the event fixtures (test/fixtures/events/, with the table of expected outcomes). */
export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/events/', import.meta.url));

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort();
}

/** A fresh copy of the fixture whose name starts with `prefix`, safe to mutate. */
export function loadFixture(prefix: string): Record<string, unknown> {
  const name = fixtureNames().find((file) => file.startsWith(prefix));
  if (!name) throw new Error(`no fixture starting with ${prefix} in ${FIXTURES_DIR}`);
  return JSON.parse(readFileSync(`${FIXTURES_DIR}${name}`, 'utf8')) as Record<string, unknown>;
}
