import { createTransport } from 'nodemailer';
import { startSmtpSink, type SmtpSink } from './smtp-sink';

describe('startSmtpSink (real SMTP server capturing mail)', () => {
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterEach(() => sink.clear());
  afterAll(() => sink?.stop());

  const send = (overrides: Record<string, unknown> = {}, auth?: { user: string; pass: string }, target: SmtpSink = sink) => {
    const transport = createTransport(target.transportOptions(auth));
    return transport
      .sendMail({ from: 'roster@example.com', to: 'admin@example.com', subject: 'Run finished', text: 'ok', ...overrides })
      .finally(() => transport.close());
  };

  it('captures a mail sent with nodemailer, parsed into from, to, subject, text, html, attachments and envelope', async () => {
    await send({
      from: '"Roster" <roster@example.com>',
      to: ['Ada <ada@example.com>', 'alan@example.com'],
      cc: 'grace@example.com',
      bcc: 'audit@example.com',
      subject: 'Import finished: 3 created, 1 problem',
      text: 'Row 4: Manager Email is not an email',
      html: '<p>Row 4: <b>Manager Email</b> is not an email</p>',
      attachments: [{ filename: 'problems.csv', content: 'row,field\n4,Manager Email\n' }],
    });

    const mail = await sink.waitForMail((m) => m.subject.startsWith('Import finished'));
    expect(mail).toMatchObject({
      from: 'roster@example.com',
      to: ['ada@example.com', 'alan@example.com'],
      cc: ['grace@example.com'],
      subject: 'Import finished: 3 created, 1 problem',
      text: 'Row 4: Manager Email is not an email',
      html: '<p>Row 4: <b>Manager Email</b> is not an email</p>',
      envelope: {
        mailFrom: 'roster@example.com',
        rcptTo: ['ada@example.com', 'alan@example.com', 'grace@example.com', 'audit@example.com'],
      },
      authUser: undefined,
    });
    expect(mail.attachments).toEqual([
      { filename: 'problems.csv', contentType: 'text/csv', content: Buffer.from('row,field\n4,Manager Email\n') },
    ]);
  });

  it('waitForMail resolves for a mail that arrives after the wait started', async () => {
    const waiting = sink.waitForMail((m) => m.to.includes('late@example.com'), 5000);
    await send({ to: 'late@example.com' });
    expect((await waiting).to).toEqual(['late@example.com']);
  });

  it('waitForMail rejects at the deadline, listing the mails that did arrive', async () => {
    await send({ subject: 'Something else' });
    await expect(sink.waitForMail((m) => m.subject === 'Never sent', 200)).rejects.toThrow(
      /No mail matching .*Never sent.* within 200 ms; 1 arrived:\n {2}1\. "Something else" from roster@example\.com to admin@example\.com/s,
    );
  });

  it('waitForCount resolves once n mails have arrived', async () => {
    const waiting = sink.waitForCount(3, 5000);
    await Promise.all([send({ subject: 'a' }), send({ subject: 'b' }), send({ subject: 'c' })]);
    expect((await waiting).map((m) => m.subject).sort()).toEqual(['a', 'b', 'c']);
  });

  it('failNext(1) rejects the first send with a temporary 451 and accepts the retry', async () => {
    sink.failNext(1);
    await expect(send({ subject: 'retried' })).rejects.toMatchObject({ responseCode: 451 });
    await send({ subject: 'retried' });
    expect(sink.messages.map((m) => m.subject)).toEqual(['retried']);
    expect(sink.rejectedCount).toBe(1);
  });

  it('failNext(n, code) can inject a permanent 5xx', async () => {
    sink.failNext(1, 554);
    await expect(send()).rejects.toMatchObject({ responseCode: 554 });
    expect(sink.messages).toHaveLength(0);
  });

  it('failNext(n, code, { text }) answers DATA with that reply, e.g. a 552 5.3.4', async () => {
    sink.failNext(1, 552, { text: '5.3.4 Message too big' });
    await expect(send({ subject: 'too big' })).rejects.toMatchObject({ responseCode: 552, command: 'DATA', response: '552 5.3.4 Message too big' });
    expect(sink.messages).toHaveLength(0);
  });

  it("failNext(n, code, { at: 'RCPT TO' }) refuses the next n recipients; a mail with one accepted recipient still goes to it", async () => {
    const rejectedBefore = sink.rejectedCount;
    sink.failNext(1, 550, { text: '5.1.1 mailbox unavailable', at: 'RCPT TO' });
    await expect(send({ to: 'gone@example.com' })).rejects.toMatchObject({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 mailbox unavailable' });
    sink.failNext(1, 450, { at: 'RCPT TO' });
    await expect(send({ to: 'busy@example.com' })).rejects.toMatchObject({ responseCode: 450, response: '450 Temporary failure injected by the test SMTP sink' });
    sink.failNext(1, 550, { at: 'RCPT TO' });
    const info = await send({ to: ['gone@example.com', 'ann@example.com'], subject: 'partly' });
    expect(info.rejected).toEqual(['gone@example.com']);
    expect((await sink.waitForMail((m) => m.subject === 'partly')).envelope.rcptTo).toEqual(['ann@example.com']);
    expect(sink.rejectedCount).toBe(rejectedBefore + 3);
  });

  it('dropNext(1) cuts the connection after DATA without capturing the mail', async () => {
    sink.dropNext(1);
    await expect(send({ subject: 'dropped' })).rejects.toThrow();
    await send({ subject: 'after drop' });
    expect(sink.messages.map((m) => m.subject)).toEqual(['after drop']);
  });

  it('with requireAuth, refuses unauthenticated mail and records the AUTH user of accepted mail', async () => {
    const authSink = await startSmtpSink({ requireAuth: true });
    try {
      await expect(send({}, undefined, authSink)).rejects.toMatchObject({ responseCode: 530 });
      await send({ subject: 'authenticated' }, { user: 'mailer', pass: 'any' }, authSink);
      const mail = await authSink.waitForMail((m) => m.subject === 'authenticated');
      expect(mail.authUser).toBe('mailer');
      expect(authSink.authUsers).toEqual(['mailer']);
    } finally {
      await authSink.stop();
    }
  });

  it('with credentials, accepts only that user and password', async () => {
    const authSink = await startSmtpSink({ credentials: { user: 'mailer', pass: 'right-password' } });
    try {
      await expect(send({}, undefined, authSink)).rejects.toMatchObject({ responseCode: 530 });
      await expect(send({}, { user: 'mailer', pass: 'wrong-password' }, authSink)).rejects.toMatchObject({ responseCode: 535 });
      await send({ subject: 'authenticated' }, { user: 'mailer', pass: 'right-password' }, authSink);
      expect((await authSink.waitForMail((m) => m.subject === 'authenticated')).authUser).toBe('mailer');
      expect(authSink.authUsers).toEqual(['mailer']);
    } finally {
      await authSink.stop();
    }
  });
});
