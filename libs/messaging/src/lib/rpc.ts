import type { Msg, NatsConnection, Subscription } from 'nats';
import { z } from 'zod';
import { RpcName, RpcReplyEnvelope, RpcReplyOf, RpcRequestOf, Rpcs } from '@roster/contracts';

export type RpcErrorCode =
  /** Nobody answers the subject (the responding service is down) or it did not answer in time. */
  | 'UNAVAILABLE'
  /** The request did not match its contract (caller bug: never retried). */
  | 'BAD_REQUEST'
  /** The reply did not match its contract. */
  | 'BAD_REPLY'
  /** The responder failed while answering. */
  | 'FAILED'
  | (string & {});

export class RpcError extends Error {
  constructor(
    readonly code: RpcErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/**
 * Asks the service behind a request/reply contract and returns its typed reply. The request is validated
 * before it leaves and the reply when it arrives; a missing responder (503 from the server) or a timeout
 * is `RpcError('UNAVAILABLE')`.
 */
export async function rpcRequest<N extends RpcName>(
  nc: NatsConnection,
  name: N,
  request: RpcRequestOf<N>,
  options: { timeoutMs: number },
): Promise<RpcReplyOf<N>> {
  const contract = Rpcs[name];
  const body = contract.request.safeParse(request);
  if (!body.success) throw new RpcError('BAD_REQUEST', `${name} request: ${describe(body.error)}`);
  let msg: Msg;
  try {
    msg = await nc.request(contract.subject, encode(body.data), { timeout: options.timeoutMs });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === '503') throw new RpcError('UNAVAILABLE', `${contract.responder} is not answering ${name} (no responders)`);
    if (code === 'TIMEOUT') throw new RpcError('UNAVAILABLE', `${contract.responder} did not answer ${name} within ${options.timeoutMs} ms`);
    throw new RpcError('UNAVAILABLE', `${name} request failed: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(msg.data).toString('utf8'));
  } catch {
    throw new RpcError('BAD_REPLY', `${name} reply is not JSON`);
  }
  const envelope = RpcReplyEnvelope.safeParse(json);
  if (!envelope.success) throw new RpcError('BAD_REPLY', `${name} reply: ${describe(envelope.error)}`);
  if ('error' in envelope.data) throw new RpcError(envelope.data.error.code, envelope.data.error.message);
  const reply = contract.reply.safeParse(envelope.data.result);
  if (!reply.success) throw new RpcError('BAD_REPLY', `${name} reply: ${describe(reply.error)}`);
  return reply.data as RpcReplyOf<N>;
}

export interface RpcResponderOptions {
  /** Queue group: replicas of one service share the requests (default: the contract's responder). */
  queue?: string;
  /** Called when a handler throws (the caller gets `FAILED` with a generic message). */
  onError?: (error: unknown, name: RpcName) => void;
}

export interface RpcResponder {
  /** Resolves once the server has registered the subscription (a request sent before may find no responder). */
  ready: Promise<void>;
  /** Stops taking requests and lets the ones in flight answer. */
  drain(): Promise<void>;
}

/**
 * Answers a request/reply contract: requests are parsed with the contract's schema before the handler sees
 * them, replies are checked before they leave. One queue group per service, so replicas share the load.
 */
export function rpcRespond<N extends RpcName>(
  nc: NatsConnection,
  name: N,
  handler: (request: RpcRequestOf<N>) => Promise<RpcReplyOf<N>>,
  options: RpcResponderOptions = {},
): RpcResponder {
  const contract = Rpcs[name];
  const inFlight = new Set<Promise<void>>();
  const answer = async (msg: Msg): Promise<void> => {
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(msg.data).toString('utf8'));
    } catch {
      msg.respond(encode({ error: { code: 'BAD_REQUEST', message: `${name} request is not JSON` } }));
      return;
    }
    const request = contract.request.safeParse(json);
    if (!request.success) {
      msg.respond(encode({ error: { code: 'BAD_REQUEST', message: `${name} request: ${describe(request.error)}` } }));
      return;
    }
    try {
      const reply = contract.reply.parse(await handler(request.data as RpcRequestOf<N>));
      msg.respond(encode({ result: reply }));
    } catch (e) {
      options.onError?.(e, name);
      msg.respond(encode({ error: { code: 'FAILED', message: `${contract.responder} could not answer ${name}` } }));
    }
  };
  const sub: Subscription = nc.subscribe(contract.subject, {
    queue: options.queue ?? contract.responder,
    callback: (err, msg) => {
      if (err) return;
      const work = answer(msg).catch((e: unknown) => options.onError?.(e, name));
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    },
  });
  return {
    ready: nc.flush(),
    async drain() {
      if (!sub.isClosed()) await sub.drain().catch(() => undefined);
      await Promise.allSettled([...inFlight]);
    },
  };
}
