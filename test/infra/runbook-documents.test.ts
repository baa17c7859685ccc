import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromRepoRoot } from '../../lib/function-defaults';
import {
  type AutomationDocument,
  KNOWN_AWS_DOCUMENTS,
  SHIPPED_DOCUMENTS,
  type ShippedDocument,
} from '../../lib/runbook-documents';

const DOCUMENTS_DIR = 'runbooks/documents';

/** Every action SSM Automation (schemaVersion 0.3) knows, so that a misspelt one fails here, not at deploy. */
const SSM_AUTOMATION_ACTIONS = new Set([
  'aws:approve',
  'aws:assertAwsResourceProperty',
  'aws:branch',
  'aws:changeInstanceState',
  'aws:copyImage',
  'aws:createImage',
  'aws:createStack',
  'aws:createTags',
  'aws:deleteImage',
  'aws:deleteStack',
  'aws:executeAutomation',
  'aws:executeAwsApi',
  'aws:executeScript',
  'aws:executeStateMachine',
  'aws:invokeLambdaFunction',
  'aws:invokeWebhook',
  'aws:loop',
  'aws:pause',
  'aws:runCommand',
  'aws:runInstances',
  'aws:sleep',
  'aws:updateVariable',
  'aws:waitForAwsResourceProperty',
]);

/**
 * The actions a Firebreak document may use: each API call is named in the step itself, so the permission check
 * below sees every one (no scripts, commands, Lambda functions or nested automations that would hide them).
 */
const FIREBREAK_ACTIONS = new Set([
  'aws:assertAwsResourceProperty',
  'aws:branch',
  'aws:executeAwsApi',
  'aws:sleep',
  'aws:waitForAwsResourceProperty',
]);

/** Actions that call an AWS API named by the step's Service and Api inputs. */
const API_ACTIONS = new Set([
  'aws:executeAwsApi',
  'aws:assertAwsResourceProperty',
  'aws:waitForAwsResourceProperty',
]);

/** Actions that change things whatever their inputs: never in a diagnostic document. */
const MUTATING_ACTIONS = [
  'aws:runCommand',
  'aws:changeInstanceState',
  'aws:createStack',
  'aws:deleteStack',
  'aws:createImage',
  'aws:copyImage',
  'aws:deleteImage',
  'aws:createTags',
  'aws:runInstances',
  'aws:executeScript',
  'aws:invokeLambdaFunction',
  'aws:executeAutomation',
  'aws:executeStateMachine',
  'aws:invokeWebhook',
];

const PARAMETER_TYPES = new Set(['String', 'StringList', 'Integer', 'Boolean', 'MapList', 'StringMap']);
const OUTPUT_TYPES = new Set(['String', 'StringList', 'Integer', 'Boolean', 'MapList', 'StringMap']);

const readDocument = (file: string) =>
  JSON.parse(readFileSync(fromRepoRoot(`${DOCUMENTS_DIR}/${file}`), 'utf8')) as AutomationDocument;
const files = () => readdirSync(fromRepoRoot(DOCUMENTS_DIR)).sort();

type Step = AutomationDocument['mainSteps'][number];

/** `{{ Name }}` and `{{ Step.Output }}` references anywhere in a value. */
function referencesIn(value: unknown): string[] {
  return [...JSON.stringify(value).matchAll(/\{\{\s*([^{}\s]+)\s*\}\}/g)].map((match) => match[1] as string);
}

/** `ec2:DescribeInstances` for each step that calls an API. */
function apiCalls(document: AutomationDocument): Array<{ step: string; call: string }> {
  return document.mainSteps
    .filter((step) => API_ACTIONS.has(step.action))
    .map((step) => ({ step: step.name, call: `${String(step.inputs.Service)}:${String(step.inputs.Api)}` }));
}

/**
 * What in a document could change a resource: a mutating action, or an API call that is not a read
 * (Describe*, Get*, List*). Empty for a read-only document.
 */
function mutations(document: AutomationDocument): string[] {
  return [
    ...document.mainSteps
      .filter((step) => !FIREBREAK_ACTIONS.has(step.action) || MUTATING_ACTIONS.includes(step.action))
      .map((step) => `${step.name}: ${step.action}`),
    ...apiCalls(document)
      .filter(({ call }) => !/^[a-z0-9-]+:(Describe|Get|List)[A-Za-z0-9]*$/.test(call))
      .map(({ step, call }) => `${step}: ${call}`),
  ];
}

/** The steps a step can go to next: its nextStep, a branch's choices and default, or the following step. */
function successors(document: AutomationDocument, step: Step, index: number): string[] {
  if (step.action === 'aws:branch') {
    const inputs = step.inputs as { Choices: Array<{ NextStep: string }>; Default?: string };
    return [...inputs.Choices.map((choice) => choice.NextStep), ...(inputs.Default ? [inputs.Default] : [])];
  }
  if (step.isEnd) return [];
  if (step.nextStep) return [step.nextStep];
  const following = document.mainSteps[index + 1];
  return following ? [following.name] : [];
}

describe('the shipped SSM Automation documents', () => {
  it('are exactly the files of runbooks/documents, each named after its document', () => {
    // Act
    const listed = SHIPPED_DOCUMENTS.map((document) => document.file).sort();

    // Assess
    expect(listed).toEqual(files().map((file) => `${DOCUMENTS_DIR}/${file}`));
    for (const document of SHIPPED_DOCUMENTS)
      expect(document.file).toBe(`${DOCUMENTS_DIR}/${document.name}.json`);
    expect(SHIPPED_DOCUMENTS.map((document) => document.name).sort()).toEqual([
      'Firebreak-Diagnose',
      'Firebreak-ForceNewEcsDeployment',
      'Firebreak-RebootRdsInstance',
      'Firebreak-RestartEC2Instance',
    ]);
  });

  describe.each(files())('%s', (file) => {
    const document = () => readDocument(file);
    const shipped = () =>
      SHIPPED_DOCUMENTS.find((candidate) => candidate.file.endsWith(`/${file}`)) as ShippedDocument;

    it('is an Automation document of schema 0.3 run under the role it is given', () => {
      // Act
      const { schemaVersion, assumeRole, parameters, description } = document();

      // Assess
      expect(schemaVersion).toBe('0.3');
      expect(assumeRole).toBe('{{ AutomationAssumeRole }}');
      expect(parameters.AutomationAssumeRole).toMatchObject({
        type: 'String',
        allowedPattern: expect.any(String),
      });
      expect(parameters.AutomationAssumeRole?.default).toBeUndefined();
      expect(description).toMatch(new RegExp(`^# ${shipped().name}\\n`));
    });

    it('types, describes and constrains every parameter', () => {
      // Act
      const parameters = Object.entries(document().parameters);

      // Assess
      expect(parameters.length).toBeGreaterThan(1);
      for (const [name, parameter] of parameters) {
        expect(PARAMETER_TYPES, name).toContain(parameter.type);
        expect(parameter.description?.length, name).toBeGreaterThan(10);
        if (parameter.type === 'String') {
          expect(
            parameter.allowedPattern ?? parameter.allowedValues,
            `${name} takes any string`,
          ).toBeDefined();
        }
        if (parameter.allowedPattern !== undefined) {
          const pattern = new RegExp(parameter.allowedPattern);
          if (typeof parameter.default === 'string') expect(parameter.default, name).toMatch(pattern);
        }
        if (parameter.allowedValues !== undefined && parameter.default !== undefined) {
          expect(parameter.allowedValues, name).toContain(parameter.default);
        }
      }
    });

    it('refers only to its parameters and to earlier outputs of its steps, and uses every parameter', () => {
      // Prepare
      const { parameters, mainSteps, assumeRole } = document();
      const outputs = new Set(
        mainSteps.flatMap((step) => (step.outputs ?? []).map((output) => `${step.name}.${output.Name}`)),
      );

      // Act
      const references = [
        ...referencesIn(assumeRole),
        ...mainSteps.flatMap((step) => referencesIn(step.inputs)),
      ];

      // Assess
      for (const reference of references) {
        if (reference.includes('.')) expect(outputs, reference).toContain(reference);
        else expect(Object.keys(parameters), reference).toContain(reference);
      }
      expect(new Set(references.filter((reference) => !reference.includes('.')))).toEqual(
        new Set(Object.keys(parameters)),
      );
    });

    it('uses only SSM Automation actions Firebreak allows, with unique steps that all lead to an end', () => {
      // Prepare
      const doc = document();
      const names = doc.mainSteps.map((step) => step.name);

      // Act
      const next = doc.mainSteps.flatMap((step, index) => successors(doc, step, index));

      // Assess
      for (const step of doc.mainSteps) {
        expect(SSM_AUTOMATION_ACTIONS, step.name).toContain(step.action);
        expect(FIREBREAK_ACTIONS, step.name).toContain(step.action);
      }
      expect(new Set(names).size).toBe(names.length);
      for (const target of next) expect(names).toContain(target);
      // Every step but the first is reached from another, and at least one ends the document.
      expect(new Set(next)).toEqual(new Set(names.slice(1)));
      expect(doc.mainSteps.some((step) => step.isEnd)).toBe(true);
    });

    it('names every API call in full and declares typed outputs that the document outputs refer to', () => {
      // Prepare
      const doc = document();

      // Act
      const calls = apiCalls(doc);
      const declared = doc.mainSteps.flatMap((step) =>
        (step.outputs ?? []).map((output) => ({ name: `${step.name}.${output.Name}`, output })),
      );

      // Assess
      expect(calls.length).toBeGreaterThan(0);
      for (const { step, call } of calls) expect(call, step).toMatch(/^(ec2|ecs|rds|lambda):[A-Z][A-Za-z]+$/);
      for (const { name, output } of declared) {
        expect(OUTPUT_TYPES, name).toContain(output.Type);
        expect(output.Selector, name).toMatch(/^\$\./);
      }
      expect(doc.outputs?.length).toBeGreaterThan(0);
      for (const output of doc.outputs ?? []) expect(declared.map((d) => d.name)).toContain(output);
    });

    it('is given exactly the IAM actions of the APIs it calls, and is of the kind its calls say', () => {
      // Prepare
      const { kind, permissions } = shipped();

      // Act
      const called = new Set(apiCalls(document()).map(({ call }) => call));
      const granted = new Set(permissions.flatMap((permission) => permission.actions));

      // Assess
      expect(granted).toEqual(called);
      expect(mutations(document()).length > 0 ? 'remediation' : 'diagnostic').toBe(kind);
      for (const permission of permissions) {
        for (const resource of permission.resources) {
          // `*` only for actions that define no resource type (EC2's Describe*).
          if (resource === '*')
            for (const action of permission.actions) expect(action).toMatch(/^ec2:Describe/);
          else expect(resource).toMatch(/^arn:\{partition\}:[a-z0-9]+:\{region\}:\{account\}:[a-z-]+[:/]\*$/);
        }
      }
    });
  });

  it('keeps the diagnostic document read-only: Describe, Get and List calls, no mutating action', () => {
    // Prepare
    const diagnostics = SHIPPED_DOCUMENTS.filter((document) => document.kind === 'diagnostic');

    // Act
    const found = diagnostics.map((document) => ({
      name: document.name,
      mutations: mutations(readDocument(`${document.name}.json`)),
      actions: readDocument(`${document.name}.json`).mainSteps.map((step) => step.action),
    }));

    // Assess
    expect(found.map(({ name }) => name)).toEqual(['Firebreak-Diagnose']);
    for (const { mutations: changes, actions } of found) {
      expect(changes).toEqual([]);
      for (const action of MUTATING_ACTIONS) expect(actions).not.toContain(action);
    }
  });

  it('really checks read-only: a diagnosis that stops an instance or runs a command is caught', () => {
    // Prepare
    const diagnose = readDocument('Firebreak-Diagnose.json');
    const tampered: AutomationDocument = {
      ...diagnose,
      mainSteps: [
        ...diagnose.mainSteps,
        { name: 'Stop', action: 'aws:executeAwsApi', inputs: { Service: 'ec2', Api: 'StopInstances' } },
        { name: 'Run', action: 'aws:runCommand', inputs: { DocumentName: 'AWS-RunShellScript' } },
        { name: 'Change', action: 'aws:changeInstanceState', inputs: { DesiredState: 'stopped' } },
      ],
    };

    // Act
    const found = mutations(tampered);

    // Assess
    expect(found).toEqual([
      'Run: aws:runCommand',
      'Change: aws:changeInstanceState',
      'Stop: ec2:StopInstances',
    ]);
  });

  it('lists what the AWS-owned documents it knows need, on the same terms', () => {
    // Assess
    for (const document of KNOWN_AWS_DOCUMENTS) {
      expect(document.name).toMatch(/^AWS-/);
      for (const permission of document.permissions) {
        for (const action of permission.actions) expect(action).not.toContain('*');
        if (permission.resources.includes('*')) {
          for (const action of permission.actions) expect(action).toMatch(/^ec2:Describe/);
        }
      }
    }
  });
});
