import { PermanentError } from '@roster/messaging';
import { MailExceptionCode } from './mail.exception';
import { refusedRecipients, smtpErrorCode, smtpFailureKind, smtpRefusal } from './smtp-failure';

/** An error as nodemailer's SMTP connection formats it (`_formatError`): code, command, and the reply if there was one. */
function smtpError(code: string, command: string, response?: string): Error {
  const responseCode = response ? Number(response.slice(0, 3)) : undefined;
  return Object.assign(new Error(response ? `failed: ${response}` : 'failed'), {
    code,
    command,
    ...(response ? { response, responseCode, permanent: responseCode !== undefined && responseCode >= 500 && responseCode !== 503 } : {}),
  });
}

describe('smtpFailureKind (R-OPS-02: a mail refused for good is dead-lettered at once, anything else retried)', () => {
  it.each([
    ['552 at DATA', smtpError('EMESSAGE', 'DATA', '552 5.3.4 Message too big')],
    ['554 at DATA', smtpError('EMESSAGE', 'DATA', '554 5.6.0 Transaction failed')],
    ['550 at RCPT TO (every recipient refused)', smtpError('EENVELOPE', 'RCPT TO', '550 5.1.1 <ann@acme.test>: mailbox unavailable')],
    ['553 at MAIL FROM', smtpError('EENVELOPE', 'MAIL FROM', '553 5.1.3 sender not allowed')],
    ['552 to DATA itself', smtpError('EENVELOPE', 'DATA', '552 5.2.2 mailbox full')],
  ])('R-OPS-02 %s is permanent', (_, error) => {
    expect(smtpFailureKind(error)).toBe('permanent');
  });

  it.each([
    ['451 at DATA', smtpError('EMESSAGE', 'DATA', '451 4.3.0 try again later')],
    ['452 at DATA', smtpError('EMESSAGE', 'DATA', '452 4.3.1 insufficient storage')],
    ['450 at RCPT TO', smtpError('EENVELOPE', 'RCPT TO', '450 4.2.1 mailbox busy')],
    ['421 at MAIL FROM', smtpError('EENVELOPE', 'MAIL FROM', '421 4.4.2 closing')],
    ['503 (bad sequence: a new session can clear it)', smtpError('EENVELOPE', 'RCPT TO', '503 5.5.1 bad sequence of commands')],
    ['a 554 greeting', smtpError('EPROTOCOL', 'CONN', '554 no SMTP service here')],
    ['a 535 to AUTH', smtpError('EAUTH', 'AUTH PLAIN', '535 5.7.8 authentication credentials invalid')],
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:25'), { code: 'ESOCKET', command: 'CONN', originalCode: 'ECONNREFUSED' })],
    ['connection closed', smtpError('ECONNECTION', 'CONN')],
    ['a timeout', Object.assign(smtpError('ETIMEDOUT', 'CONN'), { timeoutType: 'GREETING_TIMEOUT' })],
    ['a TLS failure', smtpError('ETLS', 'STARTTLS')],
    ['DNS', smtpError('EDNS', 'CONN')],
    ['something that is not nodemailer\'s', new Error('boom')],
    ['not even an error', undefined],
  ])('%s is transient', (_, error) => {
    expect(smtpFailureKind(error)).toBe('transient');
  });

  it("smtpErrorCode is nodemailer's code, UNKNOWN without one", () => {
    expect(smtpErrorCode(smtpError('EMESSAGE', 'DATA', '552 5.3.4 Message too big'))).toBe('EMESSAGE');
    expect(smtpErrorCode(new Error('boom'))).toBe('UNKNOWN');
  });
});

describe('smtpRefusal', () => {
  it('R-OPS-02 is a PermanentError SMTP_REFUSED whose reason is the reply and the command it answered, the error kept as cause', () => {
    const error = smtpError('EMESSAGE', 'DATA', '552 5.3.4 Message too big');
    const refusal = smtpRefusal(error);
    expect(refusal).toBeInstanceOf(PermanentError);
    expect(refusal).toMatchObject({ code: MailExceptionCode.SMTP_REFUSED, message: 'SMTP 552 5.3.4 Message too big (refused at DATA)', cause: error });
  });

  it('puts a multi-line reply on one line (a dead letter reason is a header)', () => {
    const refusal = smtpRefusal(smtpError('EENVELOPE', 'RCPT TO', '550-5.1.1 The email account does not exist.\r\n550 5.1.1 Please check the address.'));
    expect(refusal.message).toBe('SMTP 550-5.1.1 The email account does not exist. 550 5.1.1 Please check the address. (refused at RCPT TO)');
  });
});

describe('refusedRecipients (R-NOT-01: the log keeps who was not mailed)', () => {
  const rcpt = (address: string, response: string) => Object.assign(smtpError('EENVELOPE', 'RCPT TO', response), { recipient: address });

  it('R-NOT-01 names each recipient refused at RCPT TO with its reply, from a mail sent to the others', () => {
    const info = { accepted: ['hr@acme.test'], rejected: ['gone@acme.test'], rejectedErrors: [rcpt('gone@acme.test', '550 5.1.1 <gone@acme.test>: mailbox unavailable')] };
    expect(refusedRecipients(info)).toEqual([{ address: 'gone@acme.test', reply: 'SMTP 550 5.1.1 <gone@acme.test>: mailbox unavailable (refused at RCPT TO)' }]);
  });

  it('R-NOT-01 reads a mail every recipient refused from the SMTP_REFUSED it failed with (nodemailer\'s error is the cause)', () => {
    const error = Object.assign(smtpError('EENVELOPE', 'RCPT TO', '550 5.1.1 <b@acme.test>: no'), {
      rejected: ['a@acme.test', 'b@acme.test'],
      rejectedErrors: [rcpt('a@acme.test', '550 5.1.1 <a@acme.test>: no'), rcpt('b@acme.test', '550 5.1.1 <b@acme.test>: no')],
    });
    expect(refusedRecipients(smtpRefusal(error)).map((r) => r.address)).toEqual(['a@acme.test', 'b@acme.test']);
    expect(refusedRecipients(error).map((r) => r.reply)).toEqual(['SMTP 550 5.1.1 <a@acme.test>: no (refused at RCPT TO)', 'SMTP 550 5.1.1 <b@acme.test>: no (refused at RCPT TO)']);
  });

  it('is empty when the refusal was not per recipient, or there was no reply', () => {
    expect(refusedRecipients(smtpRefusal(smtpError('EMESSAGE', 'DATA', '552 5.3.4 Message too big')))).toEqual([]);
    expect(refusedRecipients({ accepted: ['hr@acme.test'], rejected: [] })).toEqual([]);
    expect(refusedRecipients(new Error('connect ECONNREFUSED'))).toEqual([]);
    expect(refusedRecipients(undefined)).toEqual([]);
  });
});
