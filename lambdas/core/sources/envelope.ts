import * as z from 'zod';
import { Timestamp } from './time';

/** The EventBridge event as a Lambda target receives it; `detail` is parsed by the source's own schema. */
export const EventBridgeEnvelope = z.object({
  version: z.string(),
  id: z.string().min(1),
  'detail-type': z.string().min(1),
  source: z.string().min(1),
  account: z.string().min(1),
  time: Timestamp,
  region: z.string().min(1),
  // AWS Health documents `resources` as optional; every other source sends it (possibly empty).
  resources: z.array(z.string()).default([]),
  detail: z.record(z.string(), z.unknown()),
});
export type EventBridgeEnvelope = z.infer<typeof EventBridgeEnvelope>;
