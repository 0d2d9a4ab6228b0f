import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { LOOPBACK, freePort } from './net';

const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => resolve(server));
  });
}

describe('freePort', () => {
  it('hands out ports below the ephemeral range, each once, that a server can bind', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 40; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) expect(port).toBeLessThan(ephemeralLow);
    const servers = await Promise.all(ports.map(listen));
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('keeps each jest worker in its own slice, so files running side by side never pick the same port', async () => {
    const worker = Number(process.env['JEST_WORKER_ID']);
    const size = Math.floor((ephemeralLow - 10_000) / 16);
    const low = 10_000 + (worker % 16) * size;
    for (let i = 0; i < 20; i++) {
      const port = await freePort();
      expect(port).toBeGreaterThanOrEqual(low);
      expect(port).toBeLessThan(low + size);
    }
  });

  it('never hands out a port another process is listening on', async () => {
    const size = Math.floor((ephemeralLow - 10_000) / 16);
    const low = 10_000 + (Number(process.env['JEST_WORKER_ID']) % 16) * size;
    // Occupy most of this worker's slice; every port handed out must be one of the few left.
    const held: Server[] = [];
    const free = new Set<number>();
    for (let port = low; port < low + size; port++) {
      if (port % 8 === 0) {
        free.add(port);
        continue;
      }
      held.push(await listen(port).catch(() => undefined as unknown as Server));
    }
    try {
      for (let i = 0; i < 5; i++) {
        const port = await freePort();
        if (port >= low && port < low + size) expect(free.has(port)).toBe(true);
        else expect(port).toBeGreaterThanOrEqual(ephemeralLow); // the kernel's fallback after too many misses
      }
    } finally {
      await Promise.all(held.filter(Boolean).map((s) => new Promise((resolve) => s.close(resolve))));
    }
  });
});
