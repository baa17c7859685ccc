import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { targetsOf } from '../../lambdas/lifecycle/config';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { LAMBDA_CONTEXT, stubLocalAwsEnv } from '../support/ingest-handler';
import { lifecycleHarness } from '../support/lifecycle-harness';
import { alarmSignal } from '../support/signals';
import { protocolMessages } from '../support/sns-messages';

let server: DynamoServer;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});

/** Loads the real lifecycle Lambda module (config from its environment, middy, logger) against a table. */
async function loadLifecycleHandler(table: string) {
  const topics = Object.fromEntries(
    targetsOf(DEFAULT_ESCALATION_CONFIG).map((t) => [t, `arn:aws:sns:us-east-1:111122223333:firebreak-${t}`]),
  );
  vi.stubEnv('TABLE_NAME', table);
  vi.stubEnv('TOPIC_ARNS', JSON.stringify(topics));
  vi.stubEnv('OPS_TOPIC_ARN', 'arn:aws:sns:us-east-1:111122223333:firebreak-ops');
  vi.stubEnv('PEOPLE_TOPIC_ARN', 'arn:aws:sns:us-east-1:111122223333:firebreak-people');
  vi.stubEnv(
    'ACK_KEY_SECRET_ARN',
    'arn:aws:secretsmanager:us-east-1:111122223333:secret:firebreak-ack-key-AbCdEf',
  );
  vi.stubEnv('ACK_LINK_BASE_URL', 'https://abc123.execute-api.us-east-1.amazonaws.com');
  vi.stubEnv('ESCALATION_CONFIG', JSON.stringify(DEFAULT_ESCALATION_CONFIG));
  vi.stubEnv('INCIDENT_URL', 'https://firebreak.example.com/incidents/{id}');
  stubLocalAwsEnv(server.endpoint);
  vi.resetModules();
  const module = await import('../../lambdas/lifecycle/handler');
  return (event: unknown) => module.handler(event, LAMBDA_CONTEXT);
}

describe('the lifecycle Lambda handler', () => {
  it('plans and pages the first level from the state machine input', async () => {
    const table = await server.createTable('lifecycle-handler');
    const opener = lifecycleHarness(server, table);
    const incidentId = await opener.open(
      alarmSignal({ at: '2026-11-27T09:59:30.000Z', impact: 'high', urgency: 'high' }),
    );
    opener.restore();
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const handler = await loadLifecycleHandler(table);

    const plan = (await handler({ action: 'prepare', incidentId })) as { steps: unknown[]; priority: string };
    const dueAt = '2026-11-27T10:00:00.000Z';
    const page = await handler({ action: 'page', incidentId, step: 0, dueAt, cycle: 0, plan });

    expect(plan).toMatchObject({ priority: 'P1', ackTimeoutSeconds: 1800, reminderSeconds: 1800 });
    expect(plan.steps).toHaveLength(6);
    expect(page).toEqual({
      status: 'triggered',
      paged: true,
      nextIndex: 1,
      hasNext: true,
      delaySeconds: 900,
      // Due 15 minutes after this step was due, however long the page took.
      nextAt: '2026-11-27T10:15:00.000Z',
    });
    const publish = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(publish?.TopicArn).toBe('arn:aws:sns:us-east-1:111122223333:firebreak-primary-on-call');
    // Email and SMS get the text, AWS Chatbot the card; both link the incident by the configured URL.
    const messages = protocolMessages(publish ?? {});
    const link = `https://firebreak.example.com/incidents/${incidentId}`;
    expect(messages.default).toContain(link);
    expect(messages.email).toBe(messages.default);
    expect(messages.card?.content.nextSteps?.[0]).toBe(`Open ${incidentId}: ${link}`);
    expect(messages.card?.metadata?.threadId).toBe(incidentId);
    expect(publish?.MessageAttributes?.priority?.StringValue).toBe('P1');
    sns.restore();
  });

  it('refuses malformed input with the field named, so the state machine records a failure', async () => {
    const table = await server.createTable('lifecycle-handler');
    const handler = await loadLifecycleHandler(table);

    await expect(handler({ action: 'page', incidentId: 'INC-20261127-0001', step: -1 })).rejects.toThrow(
      /lifecycle task input is invalid: .*step/,
    );
    await expect(handler({ action: 'detonate', incidentId: 'x' })).rejects.toThrow(/action/);
    await expect(
      handler({ action: 'prepare', incidentId: 'INC-20261127-0001', generation: 1.5 }),
    ).rejects.toThrow(/lifecycle task input is invalid: generation/);
    await expect(
      handler({ action: 'await-resolution', incidentId: 'INC-20261127-0001', token: 't', plannedFor: 'P0' }),
    ).rejects.toThrow(/lifecycle task input is invalid: plannedFor/);
  });

  it('stops at cold start with the variable named when the configuration is incomplete', async () => {
    vi.stubEnv('TOPIC_ARNS', '{}');
    vi.stubEnv('TABLE_NAME', 'incidents');
    vi.stubEnv('OPS_TOPIC_ARN', 'arn:aws:sns:us-east-1:111122223333:firebreak-ops');
    vi.stubEnv('PEOPLE_TOPIC_ARN', 'arn:aws:sns:us-east-1:111122223333:firebreak-people');
    vi.stubEnv(
      'ACK_KEY_SECRET_ARN',
      'arn:aws:secretsmanager:us-east-1:111122223333:secret:firebreak-ack-key-AbCdEf',
    );
    vi.stubEnv('ACK_LINK_BASE_URL', 'https://abc123.execute-api.us-east-1.amazonaws.com');
    vi.stubEnv('ESCALATION_CONFIG', JSON.stringify(DEFAULT_ESCALATION_CONFIG));
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.resetModules();

    await expect(import('../../lambdas/lifecycle/handler')).rejects.toThrow(/TOPIC_ARNS has no topic for/);
  });
});
