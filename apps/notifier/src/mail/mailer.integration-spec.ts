import { PermanentError } from '@roster/messaging';
import { metrics } from '@roster/observability';
import { LOOPBACK, freePort, startSmtpSink, type SmtpSink } from '@roster/testing';
import { MailExceptionCode } from './mail.exception';
import { Mailer } from './mailer';

/** The mailer against a real SMTP server (the test sink): a refused mail is an error the caller sees, and metered. */
describe('Mailer (R-OPS-03)', () => {
  let sink: SmtpSink;
  let mailer: Mailer;

  beforeAll(async () => {
    sink = await startSmtpSink();
    mailer = new Mailer({ smtpUrl: `smtp://${sink.host}:${sink.port}`, from: 'roster@acme.test' });
  });

  afterAll(async () => {
    mailer?.onApplicationShutdown();
    await sink?.stop();
  });

  /** roster_smtp_errors_total, summed over the series whose labels match. */
  const smtpErrors = async (labels: Record<string, string> = {}) =>
    (await metrics.registry.getSingleMetric('roster_smtp_errors_total')?.get())?.values
      .filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))
      .reduce((sum, v) => sum + v.value, 0) ?? 0;

  const send = (subject: string, to = ['ops@acme.test']) => mailer.send({ to, subject, text: 'x' });

  it('R-OPS-03 counts a mail the SMTP server refuses, by code, and throws so the event is retried', async () => {
    const before = await smtpErrors();
    const transient = await smtpErrors({ code: 'EMESSAGE', kind: 'transient' });
    sink.failNext(1, 451);
    const refused = send('refused');
    await expect(refused).rejects.toThrow(/451/);
    await expect(refused).rejects.not.toBeInstanceOf(PermanentError);
    expect(await smtpErrors()).toBe(before + 1);
    expect(await smtpErrors({ code: 'EMESSAGE', kind: 'transient' })).toBe(transient + 1);
    await send('accepted');
    expect((await sink.waitForMail((m) => m.subject === 'accepted', 10_000)).to).toEqual(['ops@acme.test']);
    expect(await smtpErrors()).toBe(before + 1);
  });

  it('R-OPS-02 R-OPS-03 a 552 at DATA is refused for good: a PermanentError SMTP_REFUSED naming the reply, counted permanent', async () => {
    const permanent = await smtpErrors({ code: 'EMESSAGE', kind: 'permanent' });
    sink.failNext(1, 552, { text: '5.3.4 Message too big' });
    await expect(send('too big')).rejects.toMatchObject({
      name: 'MailException',
      code: MailExceptionCode.SMTP_REFUSED,
      message: 'SMTP 552 5.3.4 Message too big (refused at DATA)',
      cause: expect.objectContaining({ code: 'EMESSAGE', responseCode: 552 }),
    });
    expect(await smtpErrors({ code: 'EMESSAGE', kind: 'permanent' })).toBe(permanent + 1);
    expect(sink.messages.filter((m) => m.subject === 'too big')).toEqual([]);
  });

  it('R-OPS-02 a 550 to every RCPT TO is refused for good; a 450 there is not', async () => {
    const [permanent, transient] = [await smtpErrors({ code: 'EENVELOPE', kind: 'permanent' }), await smtpErrors({ code: 'EENVELOPE', kind: 'transient' })];
    sink.failNext(2, 550, { text: '5.1.1 mailbox unavailable', at: 'RCPT TO' });
    const refused = send('nobody', ['gone@acme.test', 'left@acme.test']);
    await expect(refused).rejects.toBeInstanceOf(PermanentError);
    await expect(refused).rejects.toMatchObject({ code: MailExceptionCode.SMTP_REFUSED, message: 'SMTP 550 5.1.1 mailbox unavailable (refused at RCPT TO)' });
    expect(await smtpErrors({ code: 'EENVELOPE', kind: 'permanent' })).toBe(permanent + 1);

    sink.failNext(1, 450, { text: '4.2.1 mailbox busy', at: 'RCPT TO' });
    const deferred = send('busy');
    await expect(deferred).rejects.toMatchObject({ code: 'EENVELOPE', responseCode: 450 });
    await expect(deferred).rejects.not.toBeInstanceOf(PermanentError);
    expect(await smtpErrors({ code: 'EENVELOPE', kind: 'transient' })).toBe(transient + 1);
  });

  it('R-NOT-01 a mail the server takes for some recipients and refuses for others goes to those it took, and names the refused ones', async () => {
    sink.failNext(1, 550, { text: '5.1.1 <gone@acme.test>: mailbox unavailable', at: 'RCPT TO' });
    const receipt = await send('partly', ['gone@acme.test', 'hr@acme.test']);
    expect(receipt).toEqual({ refused: [{ address: 'gone@acme.test', reply: 'SMTP 550 5.1.1 <gone@acme.test>: mailbox unavailable (refused at RCPT TO)' }] });
    expect((await sink.waitForMail((m) => m.subject === 'partly', 10_000)).envelope.rcptTo).toEqual(['hr@acme.test']);
    expect(await send('whole')).toEqual({ refused: [] });
  });

  it('R-OPS-02 an SMTP server that cannot be reached is transient (retried), not refused', async () => {
    const transient = await smtpErrors({ code: 'ESOCKET', kind: 'transient' });
    const closed = new Mailer({ smtpUrl: `smtp://${LOOPBACK}:${await freePort()}`, from: 'roster@acme.test' });
    try {
      const unreachable = closed.send({ to: ['ops@acme.test'], subject: 'nowhere', text: 'x' });
      await expect(unreachable).rejects.toThrow(/ECONNREFUSED/);
      await expect(unreachable).rejects.not.toBeInstanceOf(PermanentError);
      expect(await smtpErrors({ code: 'ESOCKET', kind: 'transient' })).toBe(transient + 1);
    } finally {
      closed.onApplicationShutdown();
    }
  });
});
