import { expect } from 'vitest';
import { Signal } from '#core/model';
import type { NormalizeResult, Rejection } from '#core/sources/index';

export type Json = Record<string, unknown>;

export { FIXTURES_DIR, fixtureNames as fixtureFiles, loadFixture as fixture } from '../../support/fixtures';

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
