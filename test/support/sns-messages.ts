import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { ChatbotNotification } from '#core/chatbot';

/** What each protocol's subscribers receive of one publish, as SNS delivers it. */
export interface ProtocolMessages {
  /** What a protocol without its own entry gets (SNS requires it of a structured message). */
  default: string;
  email?: string;
  sms?: string;
  https?: string;
  /** The HTTPS entry as AWS Chatbot reads it; a publish whose HTTPS entry is not a valid card throws here. */
  card?: ChatbotNotification;
}

/**
 * The messages of a publish per protocol: a plain message is the same for all; with MessageStructure `json`
 * each protocol gets its entry, or `default`.
 */
export function protocolMessages(
  input: Partial<Pick<PublishCommandInput, 'Message' | 'MessageStructure'>>,
): ProtocolMessages {
  if (input.MessageStructure !== 'json') return { default: input.Message ?? '' };
  const entries = JSON.parse(input.Message ?? '') as Record<string, string>;
  if (typeof entries.default !== 'string') throw new Error('a structured message has no default entry');
  const { default: text, email, sms, https } = entries;
  return {
    default: text,
    ...(email !== undefined ? { email } : {}),
    ...(sms !== undefined ? { sms } : {}),
    ...(https !== undefined ? { https, card: ChatbotNotification.parse(JSON.parse(https)) } : {}),
  };
}
