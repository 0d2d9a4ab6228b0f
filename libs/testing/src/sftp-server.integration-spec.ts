import { statSync } from 'node:fs';
import SftpClient from 'ssh2-sftp-client';
import { readFirstLine } from './net';
import { sha256Fingerprint, startSftpServer, type SftpFixture } from './sftp-server';

describe('startSftpServer (real OpenSSH sshd serving SFTP)', () => {
  let sftp: SftpFixture;
  const clients: SftpClient[] = [];

  beforeAll(async () => {
    sftp = await startSftpServer();
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
    await sftp?.stop();
  });

  const client = (): SftpClient => {
    // Quiet the library's console logging of end/close events from refused connections.
    const created = new SftpClient('test', { error: () => undefined, end: () => undefined, close: () => undefined });
    clients.push(created);
    return created;
  };

  it('accepts the password login: list, upload and download in the fixture folder', async () => {
    await sftp.put('users.csv', 'User Email\nada@example.com\n');
    const session = client();
    await session.connect(sftp.connectOptions('password'));

    expect((await session.list(sftp.folder)).map((entry) => entry.name)).toEqual(['users.csv']);
    expect(String(await session.get(`${sftp.folder}/users.csv`))).toBe('User Email\nada@example.com\n');
    await session.put(Buffer.from('uploaded'), `${sftp.folder}/from-client.txt`);
    expect(sftp.readText('from-client.txt')).toBe('uploaded');
    await session.end();
  });

  it('accepts the authorised private key, and the user can create folders and move files as an importer does', async () => {
    await sftp.put('local/teams.csv', 'Team Name\nPlatform\n');
    const session = client();
    await session.connect(sftp.connectOptions('privateKey'));

    await session.mkdir(`${sftp.folder}/archive`);
    await session.rename(`${sftp.folder}/local/teams.csv`, `${sftp.folder}/archive/teams.csv`);
    expect(sftp.list('archive')).toEqual(['teams.csv']);
    expect(sftp.exists('local/teams.csv')).toBe(false);
    await session.end();
  });

  it('rejects a wrong password', async () => {
    await expect(client().connect({ ...sftp.connectOptions('password'), password: 'wrong' })).rejects.toThrow(
      /authentication/i,
    );
  });

  it('presents the host key whose sha256Fingerprint equals hostKeyFingerprint (the ssh-keygen -lf format)', async () => {
    expect(sftp.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    const seen: string[] = [];
    const session = client();
    await session.connect({
      ...sftp.connectOptions('password'),
      hostVerifier: (key: Buffer) => {
        seen.push(sha256Fingerprint(key));
        return sha256Fingerprint(key) === sftp.hostKeyFingerprint;
      },
    });
    expect(seen).toEqual([sftp.hostKeyFingerprint]);
    await session.end();
  });

  it('put() creates nested directories owned by the SFTP user, and refuses paths outside the folder', async () => {
    await sftp.put('a/b/c.csv', Buffer.from([0xef, 0xbb, 0xbf, 0x41]));
    const owner = statSync(sftp.folder).uid;
    expect(statSync(`${sftp.folder}/a`).uid).toBe(owner);
    expect(statSync(`${sftp.folder}/a/b/c.csv`).uid).toBe(owner);
    expect(sftp.read('a/b/c.csv')).toEqual(Buffer.from([0xef, 0xbb, 0xbf, 0x41]));
    expect(sftp.list('missing')).toEqual([]);
    await expect(sftp.put('../escape.csv', 'x')).rejects.toThrow(/outside the SFTP fixture folder/);
    expect(() => sftp.read('/etc/passwd')).toThrow(/outside the SFTP fixture folder/);
  });

  it('after restartWithNewHostKey() the same port presents a new key: the old pin is refused, the new one accepted', async () => {
    const oldFingerprint = sftp.hostKeyFingerprint;
    const oldPort = sftp.port;
    await sftp.restartWithNewHostKey();
    expect(sftp.port).toBe(oldPort);
    expect(sftp.hostKeyFingerprint).not.toBe(oldFingerprint);

    const pinnedToOld = client();
    await expect(
      pinnedToOld.connect({ ...sftp.connectOptions('password'), hostVerifier: (key: Buffer) => sha256Fingerprint(key) === oldFingerprint }),
    ).rejects.toThrow(/Host denied \(verification failed\)/);

    const pinnedToNew = client();
    await pinnedToNew.connect(sftp.connectOptions('privateKey'));
    expect(await pinnedToNew.exists(`${sftp.folder}/users.csv`)).toBe('-');
    await pinnedToNew.end();
  });

  it('stop() ends sshd and its open sessions, closes its port and removes the folder', async () => {
    const other = await startSftpServer();
    expect(other.port).not.toBe(sftp.port);
    expect(other.folder).not.toBe(sftp.folder);
    await other.put('x.csv', 'x');
    let markClosed = (): void => undefined;
    const sessionClosed = new Promise<void>((resolve) => (markClosed = resolve));
    const open = new SftpClient('open', { error: () => undefined, end: () => undefined, close: () => markClosed() });
    clients.push(open);
    await open.connect(other.connectOptions('privateKey'));

    await other.stop();
    await sessionClosed;
    await other.stop();
    expect(other.exists('.')).toBe(false);
    await expect(readFirstLine(other.port, 500)).rejects.toThrow();
  });

  it('says how to install sshd when it is missing', async () => {
    const saved = process.env['SSHD_BIN'];
    process.env['SSHD_BIN'] = '/nonexistent/sshd';
    try {
      await expect(startSftpServer()).rejects.toThrow('OpenSSH sshd not found: apt-get install openssh-server');
    } finally {
      if (saved === undefined) delete process.env['SSHD_BIN'];
      else process.env['SSHD_BIN'] = saved;
    }
  });
});
