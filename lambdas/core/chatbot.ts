import * as z from 'zod';
import type { Incident } from './model';
import type { NotificationMessage } from './templates';

/**
 * AWS Chatbot's (Amazon Q Developer in chat applications) custom notification: what it renders as a card in
 * Slack, Teams or Chime when an SNS topic it is subscribed to receives it over HTTPS. Chatbot requires
 * `version`, `source` and `content.description`, and drops messages that are not in this form.
 */
export const ChatbotNotification = z.strictObject({
  version: z.literal('1.0'),
  source: z.literal('custom'),
  id: z.string().min(1).optional(),
  content: z.strictObject({
    textType: z.literal('client-markdown').optional(),
    title: z.string().min(1).optional(),
    description: z.string().min(1),
    nextSteps: z.array(z.string().min(1)).optional(),
    keywords: z.array(z.string().min(1)).optional(),
  }),
  metadata: z
    .strictObject({
      threadId: z.string().min(1).optional(),
      summary: z.string().min(1).optional(),
      eventType: z.string().min(1).optional(),
      relatedResources: z.array(z.string()).optional(),
      additionalContext: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
});
export type ChatbotNotification = z.infer<typeof ChatbotNotification>;

/** How much of a message's text a card shows: the headline and details, not a page of description. */
const MAX_DESCRIPTION_CHARS = 3000;

/**
 * The card for a notification about `incident`: the subject as title, the message's text as description,
 * what to do next (open, acknowledge), keywords to filter on, and the incident id as thread, so every
 * message of one incident lands in one chat thread.
 */
export function chatbotNotification(
  incident: Pick<Incident, 'id' | 'priority' | 'service' | 'status' | 'team'>,
  message: NotificationMessage,
  context: { kind: string; link: string; key: string },
): ChatbotNotification {
  const description =
    message.text.length > MAX_DESCRIPTION_CHARS
      ? `${message.text.slice(0, MAX_DESCRIPTION_CHARS - 1)}…`
      : message.text;
  return {
    version: '1.0',
    source: 'custom',
    id: `${incident.id}:${context.key}`,
    content: {
      textType: 'client-markdown',
      title: message.subject,
      description,
      nextSteps: [
        `Open ${incident.id}: ${context.link}`,
        ...(incident.status === 'triggered'
          ? [`Acknowledge: \`/incident ack ${incident.id}\` or the incident page`]
          : []),
      ],
      keywords: [
        incident.priority,
        incident.service,
        ...(incident.team ? [incident.team] : []),
        context.kind,
      ],
    },
    metadata: {
      threadId: incident.id,
      summary: message.subject,
      eventType: `firebreak.${context.kind}`,
      additionalContext: {
        incidentId: incident.id,
        priority: incident.priority,
        status: incident.status,
        service: incident.service,
      },
    },
  };
}

/**
 * The SNS message of a topic notification structured per protocol (`MessageStructure: 'json'`): HTTPS
 * subscribers (AWS Chatbot) get the card, email and every other protocol the plain text.
 */
export function structuredTopicMessage(message: NotificationMessage, card: ChatbotNotification): string {
  return JSON.stringify({ default: message.text, email: message.text, https: JSON.stringify(card) });
}
