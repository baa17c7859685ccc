import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { Signal } from '#core/model';
import type { NormalizeResult, Rejection } from '#core/sources/index';

/** shared/ sits beside the repository root, here and in CI; never an absolute path. */
export const FIXTURES_DIR = fileURLToPath(new URL('../../../../shared/fixtures/events/', import.meta.url));

export type Json = Record<string, unknown>;

export function fixtureFiles(): string[] {
  return readdirSync(FIXTURES_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort();
}

/** A fresh copy of the fixture whose name starts with `prefix`, safe to mutate. */
export function fixture(prefix: string): Json {
  const name = fixtureFiles().find((file) => file.startsWith(prefix));
  if (!name) throw new Error(`no fixture starting with ${prefix} in ${FIXTURES_DIR}`);
  return JSON.parse(readFileSync(`${FIXTURES_DIR}${name}`, 'utf8')) as Json;
}

/** The fixture's `detail`, for editing in place. */
export function detailOf(event: Json): Json {
  return event.detail as Json;
}

/** Asserts the result carries signals, each valid against the model, and returns them. */
export function signalsOf(result: NormalizeResult): Signal[] {
  if (result.kind !== 'signals') throw new Error(`expected signals, got ${JSON.stringify(result)}`);
  for (const signal of result.signals) expect(() => Signal.parse(signal)).not.toThrow();
  return result.signals;
}

export function onlySignal(result: NormalizeResult): Signal {
  const signals = signalsOf(result);
  expect(signals).toHaveLength(1);
  return signals[0] as Signal;
}

export function rejectionOf(result: NormalizeResult): Rejection {
  if (result.kind !== 'rejected') throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
  return result.rejection;
}
