import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Token } from 'aws-cdk-lib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../lib/app';
import { appContext } from './support';

describe('buildApp', () => {
  let outdir: string;
  beforeEach(() => {
    outdir = mkdtempSync(join(tmpdir(), 'firebreak-app-'));
  });
  afterEach(() => rmSync(outdir, { recursive: true, force: true }));

  it('refuses bad context before creating any stack, naming the key', () => {
    // Prepare
    const context = appContext({ centralBus: { sourceAccounts: ['111111111111', 'not-an-account'] } });

    // Act
    const build = () => buildApp({ context, outdir });

    // Assess
    expect(build).toThrow('firebreak.centralBus.sourceAccounts[1]: must be a 12-digit AWS account id');
  });

  it('builds FirebreakData and Firebreak, and the forwarder only when configured', () => {
    // Act
    const built = buildApp({ context: appContext({}), outdir });

    // Assess
    expect(built.app.node.children.map((child) => child.node.id)).toEqual(['FirebreakData', 'Firebreak']);
    expect(built.forwarder).toBeUndefined();
  });

  it('leaves account and region unresolved when no environment is known, so synth needs no credentials', () => {
    // Act
    const { data, firebreak } = buildApp({ context: appContext({}), outdir });

    // Assess
    for (const stack of [data, firebreak]) {
      expect(Token.isUnresolved(stack.account)).toBe(true);
      expect(Token.isUnresolved(stack.region)).toBe(true);
    }
  });

  it('deploys to the given account and region when there is one', () => {
    // Act
    const { data, firebreak } = buildApp({
      context: appContext({}),
      outdir,
      env: { account: '444444444444', region: 'eu-central-1' },
    });

    // Assess
    for (const stack of [data, firebreak])
      expect([stack.account, stack.region]).toEqual(['444444444444', 'eu-central-1']);
  });
});
