import { describe, expect, it } from 'vitest';
import { ChatbotNotification, chatbotNotification, structuredTopicMessage } from '#core/chatbot';

const incident = {
  id: 'INC-20261127-0042',
  priority: 'P1' as const,
  service: 'checkout-api',
  status: 'triggered' as const,
  team: 'payments',
};
const message = {
  subject: '[P1] INC-20261127-0042 checkout-api: 5XX errors above 5%',
  text: 'P1 CRITICAL incident INC-20261127-0042 on checkout-api: 5XX errors above 5%\nOpen: https://firebreak.example.com/incidents/INC-20261127-0042',
};
const context = {
  kind: 'initial',
  link: 'https://firebreak.example.com/incidents/INC-20261127-0042',
  key: 'page-c0-s0',
};

describe('AWS Chatbot custom notifications', () => {
  it('makes a card with the fields Chatbot requires, threaded by incident', () => {
    const card = chatbotNotification(incident, message, context);

    expect(ChatbotNotification.safeParse(card).success).toBe(true);
    expect(card).toMatchObject({
      version: '1.0',
      source: 'custom',
      id: 'INC-20261127-0042:page-c0-s0',
      content: {
        textType: 'client-markdown',
        title: message.subject,
        description: message.text,
        keywords: ['P1', 'checkout-api', 'payments', 'initial'],
      },
      metadata: { threadId: 'INC-20261127-0042', eventType: 'firebreak.initial' },
    });
    expect(card.content.nextSteps).toEqual([
      `Open INC-20261127-0042: ${context.link}`,
      'Acknowledge: `/incident ack INC-20261127-0042` or the incident page',
    ]);
  });

  it('asks nobody to acknowledge what is no longer triggered, and cuts a long description', () => {
    const card = chatbotNotification(
      { ...incident, status: 'resolved', team: undefined },
      { ...message, text: 'x'.repeat(5000) },
      { ...context, kind: 'resolution' },
    );

    expect(card.content.nextSteps).toHaveLength(1);
    expect(card.content.keywords).toEqual(['P1', 'checkout-api', 'resolution']);
    expect(card.content.description).toHaveLength(3000);
    expect(card.content.description.endsWith('…')).toBe(true);
  });

  it('refuses what Chatbot would drop: no description, another version or source, unknown fields', () => {
    const card = chatbotNotification(incident, message, context);
    for (const broken of [
      { ...card, content: { ...card.content, description: '' } },
      { ...card, version: '2.0' },
      { ...card, source: 'aws.cloudwatch' },
      { ...card, content: { ...card.content, body: 'x' } },
    ])
      expect(ChatbotNotification.safeParse(broken).success).toBe(false);
  });

  it('structures the SNS message per protocol: the card over HTTPS, plain text for email and the rest', () => {
    const card = chatbotNotification(incident, message, context);
    const structured = JSON.parse(structuredTopicMessage(message, card)) as Record<string, string>;

    expect(Object.keys(structured).sort()).toEqual(['default', 'email', 'https']);
    expect(structured.default).toBe(message.text);
    expect(structured.email).toBe(message.text);
    expect(ChatbotNotification.parse(JSON.parse(structured.https ?? ''))).toEqual(card);
  });
});
