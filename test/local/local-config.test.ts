import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CLOSING_CHECKLIST } from '#core/closing-checklist';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import { DEFAULT_PROBLEM_RULES } from '#core/problems';
import { DEFAULT_RUNBOOK_CONFIG } from '#core/runbooks';
import { loadLocalConfig } from '../../local/local-config';
import { EXAMPLE_RUNBOOKS } from '../support/runbook-doubles';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'firebreak-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('local mode configuration', () => {
  it('comes from cdk.json as for a deployment when FIREBREAK_CONFIG is not set', () => {
    const cdkJson = file('cdk.json', { app: 'x', context: { firebreak: { logRetentionDays: 30 } } });

    const config = loadLocalConfig({}, cdkJson);

    expect(config).toEqual({
      escalation: DEFAULT_ESCALATION_CONFIG,
      grouping: DEFAULT_GROUPING_CONFIG,
      runbooks: DEFAULT_RUNBOOK_CONFIG,
      closingChecklist: DEFAULT_CLOSING_CHECKLIST,
      problems: DEFAULT_PROBLEM_RULES,
      source: cdkJson,
    });
  });

  it('reads the repository’s own cdk.json', () => {
    expect(loadLocalConfig({}).source).toMatch(/cdk\.json$/);
  });

  it('comes from the firebreak object in the file FIREBREAK_CONFIG names, runbooks included', () => {
    const named = file('firebreak.json', { runbooks: EXAMPLE_RUNBOOKS });

    const config = loadLocalConfig({ FIREBREAK_CONFIG: named }, file('cdk.json', { context: {} }));

    expect(config.source).toBe(named);
    expect(Object.keys(config.runbooks.bindings).sort()).toEqual(['describe-instance', 'restart-web']);
    expect(config.runbooks.bindings['restart-web']).toMatchObject({
      match: { namespace: 'AWS/EC2', metric: 'CPUUtilization' },
      document: { name: 'Firebreak-RestartEC2Instance', version: '1' },
      mode: 'approval',
      settleMinutes: 10,
    });
    expect(config.escalation).toEqual(DEFAULT_ESCALATION_CONFIG);
  });

  it.each([
    [
      'a bad runbook binding',
      {
        runbooks: {
          bindings: { 'restart-web': { ...EXAMPLE_RUNBOOKS.bindings['restart-web'], mode: 'sometimes' } },
        },
      },
      /firebreak\.runbooks\.bindings\.restart-web\.mode: /,
    ],
    [
      'an unknown placeholder',
      {
        runbooks: {
          bindings: {
            'restart-web': {
              ...EXAMPLE_RUNBOOKS.bindings['restart-web'],
              parameters: { InstanceId: '{instance}' },
            },
          },
        },
      },
      /firebreak\.runbooks\.bindings\.restart-web\.parameters\.InstanceId: unknown placeholder \{instance\}/,
    ],
    ['an unknown key', { escalaton: {} }, /firebreak\.escalaton: unknown key/],
    [
      'a bad grouping rule',
      { grouping: { rules: [{ name: 'r', by: ['owner'] }] } },
      /firebreak\.grouping\.rules/,
    ],
  ])('names the file and the key for %s', (_case, content, message) => {
    const named = file('firebreak.json', content);

    const load = () => loadLocalConfig({ FIREBREAK_CONFIG: named });

    expect(load).toThrow(named);
    expect(load).toThrow(message);
  });

  it('names the file when it is missing or not JSON', () => {
    const notJson = file('firebreak.json', '{ runbooks: }');

    expect(() => loadLocalConfig({ FIREBREAK_CONFIG: join(dir, 'missing.json') })).toThrow(
      `${join(dir, 'missing.json')}: cannot be read (ENOENT)`,
    );
    expect(() => loadLocalConfig({ FIREBREAK_CONFIG: notJson })).toThrow(`${notJson}: is not JSON`);
  });
});
