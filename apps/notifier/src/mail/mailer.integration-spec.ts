import { metrics } from '@roster/observability';
import { startSmtpSink, type SmtpSink } from '@roster/testing';
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

  const smtpErrors = async () =>
    (await metrics.registry.getSingleMetric('roster_smtp_errors_total')?.get())?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;

  it('R-OPS-03 counts a mail the SMTP server refuses, by code, and throws so the event is retried', async () => {
    const before = await smtpErrors();
    sink.failNext(1, 451);
    await expect(mailer.send({ to: ['ops@acme.test'], subject: 'refused', text: 'x' })).rejects.toThrow(/451/);
    expect(await smtpErrors()).toBe(before + 1);
    const codes = (await metrics.registry.getSingleMetric('roster_smtp_errors_total')?.get())?.values.map((v) => v.labels['code']);
    expect(codes).toContain('EMESSAGE');

    await mailer.send({ to: ['ops@acme.test'], subject: 'accepted', text: 'y' });
    expect((await sink.waitForMail((m) => m.subject === 'accepted', 10_000)).to).toEqual(['ops@acme.test']);
    expect(await smtpErrors()).toBe(before + 1);
  });
});
