import { z } from 'zod';
import { EventName, Events, Streams } from './contracts';
import { CloudEventEnvelope } from './envelope';

const PUBLISHERS: Record<EventName, string> = {
  'sync.requested': 'directory-config',
  'run.progress': 'file-ingest, connector-gateway, reconciler',
  'run.finished': 'reconciler',
  'records.batch': 'file-ingest, connector-gateway, directory-config (event directories)',
  'records.complete': 'file-ingest, connector-gateway, directory-config (event directories)',
  'run.decided': 'directory-config (outbox)',
  'rerun.requested': 'directory-config (outbox)',
  'user.anonymize.requested': 'directory-config (outbox)',
  'user.activate.requested': 'directory-config (outbox)',
  'user.created': 'reconciler',
  'user.updated': 'reconciler',
  'user.deleted': 'reconciler',
  'user.anonymized': 'reconciler',
  'team.created': 'reconciler',
  'team.updated': 'reconciler',
  'membership.added': 'reconciler',
  'membership.removed': 'reconciler',
  'group.created': 'reconciler',
  'group.updated': 'reconciler',
  'group.removed': 'reconciler',
  'group.member.added': 'reconciler',
  'group.member.removed': 'reconciler',
  'export.requested': 'directory-config',
  'export.ready': 'reconciler',
  'export.building': 'reconciler (outbox)',
  'export.mailed': 'notifier (outbox)',
  'inbound.employee.upserted': 'internal services (R-EVT-02)',
  'inbound.employee.terminated': 'internal services (R-EVT-02)',
};

const operationId = (name: string) => name.replace(/[^a-zA-Z0-9]+(.)/g, (_, c: string) => c.toUpperCase());

/**
 * The AsyncAPI 3.0 document of every subject on the bus, generated from the zod schemas that validate the
 * messages, so the two cannot drift (docs/asyncapi.json is checked against this in a test).
 */
export function buildAsyncApiDocument() {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const name of Object.keys(Events) as EventName[]) {
    const contract = Events[name];
    const id = operationId(name);
    const params = [...contract.subject.matchAll(/\{(\w+)\}/g)].map(([, p]) => p);
    messages[id] = {
      name: contract.type,
      title: name,
      summary: contract.summary,
      contentType: 'application/cloudevents+json',
      payload: {
        allOf: [
          z.toJSONSchema(CloudEventEnvelope.omit({ data: true }), { io: 'input' }),
          { type: 'object', properties: { data: z.toJSONSchema(contract.schema, { io: 'input', unrepresentable: 'any' }) }, required: ['data'] },
        ],
      },
    };
    channels[id] = {
      address: contract.subject,
      description: `Stream ${contract.stream} (${Streams[contract.stream].description}, kept ${Streams[contract.stream].maxAgeDays} days). Published by ${PUBLISHERS[name]}.`,
      parameters: Object.fromEntries(params.map((p) => [p, { description: p === 'tenant' ? 'tenant id (uuid)' : p }])),
      messages: { [id]: { $ref: `#/components/messages/${id}` } },
    };
    operations[`publish${id[0].toUpperCase()}${id.slice(1)}`] = {
      action: 'send',
      channel: { $ref: `#/channels/${id}` },
      summary: contract.summary,
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Roster bus',
      version: '1.0.0',
      description: 'Subjects, CloudEvents types and payloads on NATS JetStream. Every message is a CloudEvents 1.0 JSON envelope with the tenant id in `tenantid` and in the subject.',
    },
    defaultContentType: 'application/cloudevents+json',
    servers: { nats: { host: 'localhost:4222', protocol: 'nats', description: 'NATS with JetStream' } },
    channels,
    operations,
    components: { messages },
  };
}
