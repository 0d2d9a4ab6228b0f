import { simpleParser, type AddressObject, type EmailAddress } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { LOOPBACK } from './net';

export interface SmtpSinkOptions {
  /** Refuse mail until the client authenticates (AUTH PLAIN/LOGIN, any user and password). */
  requireAuth?: boolean;
  /** Accept only this user and password (AUTH answers 535 otherwise); implies `requireAuth`. */
  credentials?: { user: string; pass: string };
}

export interface CapturedAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface CapturedMail {
  /** Address of the `From` header. */
  from: string;
  /** Addresses of the `To` header. */
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  html: string | undefined;
  attachments: CapturedAttachment[];
  /** What the client said in MAIL FROM / RCPT TO (includes Bcc recipients). */
  envelope: { mailFrom: string; rcptTo: string[] };
  /** The AUTH user of the session, if the client authenticated. */
  authUser: string | undefined;
  raw: Buffer;
  receivedAt: Date;
}

/** How `failNext` refuses: the reply's text after the code, and the command it answers. */
export interface InjectedRefusal {
  /** e.g. `5.3.4 Message too big`; by default a sentence saying the sink injected it. */
  text?: string;
  /** `DATA` (the default): the reply after the message; `RCPT TO`: the reply to the next recipients. */
  at?: 'DATA' | 'RCPT TO';
}

/** Options for `nodemailer.createTransport` that reach this sink. */
export interface SmtpSinkTransportOptions {
  host: string;
  port: number;
  secure: false;
  ignoreTLS: true;
  auth?: { user: string; pass: string };
}

export interface SmtpSink {
  host: string;
  port: number;
  /** Every accepted mail, in arrival order (a live array). */
  readonly messages: readonly CapturedMail[];
  /** Users that authenticated, in order. */
  readonly authUsers: readonly string[];
  /** How many messages (recipients, for failNext at RCPT TO) failNext/dropNext turned away. */
  readonly rejectedCount: number;
  transportOptions(auth?: { user: string; pass: string }): SmtpSinkTransportOptions;
  /** Resolves with the first mail (already received or future) that matches. */
  waitForMail(predicate?: (mail: CapturedMail) => boolean, timeoutMs?: number): Promise<CapturedMail>;
  /** Resolves once at least `count` mails have arrived. */
  waitForCount(count: number, timeoutMs?: number): Promise<CapturedMail[]>;
  /**
   * Answers the next `count` messages' DATA with `code` (a temporary 451 by default) instead of accepting them;
   * with `at: 'RCPT TO'`, the next `count` recipients instead.
   */
  failNext(count: number, code?: number, refusal?: InjectedRefusal): void;
  /** Drops the connection without a reply after the next `count` messages' DATA. */
  dropNext(count: number): void;
  clear(): void;
  stop(): Promise<void>;
}

interface Waiter {
  done(): boolean;
  fail(error: Error): void;
}

/** Starts a real SMTP server on a free loopback port that captures and parses every mail. */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: CapturedMail[] = [];
  const authUsers: string[] = [];
  const waiters = new Set<Waiter>();
  const plannedFailures: Reply[] = [];
  const plannedRecipientFailures: Reply[] = [];
  let plannedDrops = 0;
  let rejectedCount = 0;

  const notify = (): void => {
    for (const waiter of waiters) if (waiter.done()) waiters.delete(waiter);
  };

  const server = new SMTPServer({
    logger: false,
    secure: false,
    disabledCommands: ['STARTTLS'],
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: !options.requireAuth && !options.credentials,
    allowInsecureAuth: true,
    closeTimeout: 500,
    onAuth(auth, _session, callback) {
      const user = auth.username ?? '';
      const { credentials } = options;
      if (credentials && (user !== credentials.user || auth.password !== credentials.pass)) {
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
        return;
      }
      authUsers.push(user);
      callback(null, { user });
    },
    onRcptTo(_address, _session, callback) {
      const failure = plannedRecipientFailures.shift();
      if (failure === undefined) return callback();
      rejectedCount += 1;
      callback(refusal(failure));
    },
    onData(stream, session, callback) {
      readAll(stream)
        .then(async (raw) => {
          if (plannedDrops > 0) {
            plannedDrops -= 1;
            rejectedCount += 1;
            [...server.connections].find((connection) => connection.id === session.id)?._socket.destroy();
            return;
          }
          const failure = plannedFailures.shift();
          if (failure !== undefined) {
            rejectedCount += 1;
            callback(refusal(failure));
            return;
          }
          messages.push(await capture(raw, session));
          callback();
          notify();
        })
        .catch((error: Error) => callback(Object.assign(error, { responseCode: 451 })));
    },
  });
  server.on('error', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  const wait = <T>(check: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`${describe()} within ${timeoutMs} ms; ${summarise(messages)}`));
      }, timeoutMs);
      const waiter: Waiter = {
        done: () => {
          const result = check();
          if (result === undefined) return false;
          clearTimeout(timer);
          resolve(result);
          return true;
        },
        fail: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      if (!waiter.done()) waiters.add(waiter);
    });

  return {
    host: LOOPBACK,
    port,
    messages,
    authUsers,
    get rejectedCount() {
      return rejectedCount;
    },
    transportOptions: (auth) => ({ host: LOOPBACK, port, secure: false, ignoreTLS: true, ...(auth ? { auth } : {}) }),
    waitForMail: (predicate = () => true, timeoutMs = 10_000) =>
      wait(() => messages.find(predicate), timeoutMs, () => `No mail matching ${predicate.toString()} arrived`),
    waitForCount: (count, timeoutMs = 10_000) =>
      wait(
        () => (messages.length >= count ? [...messages] : undefined),
        timeoutMs,
        () => `Expected ${count} mails, ${messages.length} arrived`,
      ),
    failNext: (count, code = 451, { text, at = 'DATA' } = {}) => {
      const failure = { code, text: text ?? `${code < 500 ? 'Temporary' : 'Permanent'} failure injected by the test SMTP sink` };
      for (let i = 0; i < count; i++) (at === 'DATA' ? plannedFailures : plannedRecipientFailures).push(failure);
    },
    dropNext: (count) => {
      plannedDrops += count;
    },
    clear: () => {
      messages.length = 0;
      authUsers.length = 0;
    },
    stop: async () => {
      for (const waiter of waiters) waiter.fail(new Error('SMTP sink stopped'));
      waiters.clear();
      if (!server.server.listening) return;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Reply {
  code: number;
  text: string;
}

/** The error smtp-server answers as `<code> <text>`. */
function refusal(reply: Reply): Error {
  return Object.assign(new Error(reply.text), { responseCode: reply.code });
}

function readAll(stream: SMTPServerDataStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('error', reject);
    stream.once('end', () => resolve(Buffer.concat(chunks)));
  });
}

async function capture(raw: Buffer, session: SMTPServerSession): Promise<CapturedMail> {
  const parsed = await simpleParser(raw);
  const { mailFrom, rcptTo } = session.envelope;
  return {
    from: addresses(parsed.from)[0] ?? '',
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: parsed.html || undefined,
    attachments: parsed.attachments.map((attachment) => ({
      filename: attachment.filename ?? '',
      contentType: attachment.contentType,
      content: attachment.content,
    })),
    envelope: { mailFrom: mailFrom ? mailFrom.address : '', rcptTo: rcptTo.map((rcpt) => rcpt.address) },
    authUser: typeof session.user === 'string' ? session.user : undefined,
    raw,
    receivedAt: new Date(),
  };
}

function addresses(header: AddressObject | AddressObject[] | undefined): string[] {
  const flatten = (entries: EmailAddress[]): string[] =>
    entries.flatMap((entry) => (entry.group ? flatten(entry.group) : entry.address ? [entry.address] : []));
  return (Array.isArray(header) ? header : header ? [header] : []).flatMap((object) => flatten(object.value));
}

function summarise(messages: readonly CapturedMail[]): string {
  if (messages.length === 0) return 'no mail arrived';
  const lines = messages.map((mail, i) => `  ${i + 1}. "${mail.subject}" from ${mail.from} to ${mail.envelope.rcptTo.join(', ')}`);
  return `${messages.length} arrived:\n${lines.join('\n')}`;
}
