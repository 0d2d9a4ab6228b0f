import { transformFileSync } from '@swc/core';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnManaged } from './process';
import { waitFor } from './wait-for';

/** A killed orphan stays a zombie until init reaps it, so "alive" means present and not a zombie. */
const isAlive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

describe('spawnManaged (process hygiene of the fixtures)', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'roster-process-spec-'));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  /** Runs a separate node process that spawns `sleep 60` through spawnManaged, then ends as told. */
  const orphanProbe = async (ending: 'exit' | 'SIGKILL'): Promise<number> => {
    const compiled = join(workDir, 'process.js');
    writeFileSync(compiled, transformFileSync(join(__dirname, 'process.ts'), { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }).code);
    const script = `
      const { spawnManaged } = require(${JSON.stringify(compiled)});
      const child = spawnManaged('sleep', ['60'], 'sleep');
      process.stdout.write(String(child.pid));
      setTimeout(() => ${ending === 'exit' ? 'process.exit(0)' : "process.kill(process.pid, 'SIGKILL')"}, 200);
    `;
    const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    parent.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise((resolve) => parent.once('exit', resolve));
    return Number(output);
  };

  it('kills its children when the test process exits normally', async () => {
    const pid = await orphanProbe('exit');
    expect(pid).toBeGreaterThan(0);
    await waitFor(() => !isAlive(pid), { timeoutMs: 3000, description: `sleep ${pid} to be killed` });
  });

  it('kills its children when the test process is SIGKILLed (no exit handler runs)', async () => {
    const pid = await orphanProbe('SIGKILL');
    expect(pid).toBeGreaterThan(0);
    await waitFor(() => !isAlive(pid), { timeoutMs: 3000, description: `sleep ${pid} to be killed` });
  });

  it('stop() escalates to SIGKILL when the process ignores SIGTERM', async () => {
    const ignoreTerm = "process.on('SIGTERM', () => undefined); console.log('ready'); setInterval(() => undefined, 1000);";
    const stubborn = spawnManaged(process.execPath, ['-e', ignoreTerm], 'stubborn');
    await waitFor(() => stubborn.output().includes('ready'), { timeoutMs: 3000, description: 'node to ignore SIGTERM' });
    await stubborn.stop(300);
    expect(stubborn.isRunning()).toBe(false);
    expect((await stubborn.exited).signal).toBe('SIGKILL');
  });
});
