/**
 * A real Alertmanager for the storm bench: found on PATH or installed from Debian's
 * `prometheus-alertmanager`, configured in a temporary directory, bound to 127.0.0.1 with clustering off,
 * notifying a webhook receiver this process runs on 127.0.0.1. Everything it starts is stopped and removed
 * by `stop()`, and synchronously at process exit if `stop()` never ran.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';

/** Debian names the binary `prometheus-alertmanager`; upstream tarballs name it `alertmanager`. */
const BINARIES = ['alertmanager', 'prometheus-alertmanager'];
const DEBIAN_PACKAGE = 'prometheus-alertmanager';

function onPath(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() || undefined : undefined;
}

function findBinary(): string | undefined {
  for (const name of BINARIES) {
    const path = onPath(name);
    if (path) return path;
  }
  return undefined;
}

function aptGet(args: string[]): { ok: boolean; output: string } {
  const run = spawnSync('apt-get', args, {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 300_000,
  });
  return {
    ok: run.status === 0,
    output: `${run.stdout ?? ''}${run.stderr ?? ''}${run.error?.message ?? ''}`,
  };
}

/** The Alertmanager binary, installing Debian's package first if there is none (needs root and apt). */
export function ensureAlertmanager(): string {
  const found = findBinary();
  if (found) return found;
  const cannot = (why: string) =>
    new Error(
      `Alertmanager is not installed and ${why}.\n` +
        `Install it (as root): apt-get install -y ${DEBIAN_PACKAGE}   then run the bench again.`,
    );
  if (!onPath('apt-get')) throw cannot('apt-get is not available here');
  if (process.getuid?.() !== 0) throw cannot('installing it needs root');
  console.log(
    `alertmanager not found: installing the Debian package ${DEBIAN_PACKAGE} (apt-get install -y)…`,
  );
  let install = aptGet(['install', '-y', DEBIAN_PACKAGE]);
  if (!install.ok) {
    // A fresh machine may not have package lists yet.
    aptGet(['update']);
    install = aptGet(['install', '-y', DEBIAN_PACKAGE]);
  }
  const installed = findBinary();
  if (!install.ok || !installed) {
    throw cannot(
      `apt-get install -y ${DEBIAN_PACKAGE} failed:\n${install.output.trim().split('\n').slice(-8).join('\n')}`,
    );
  }
  return installed;
}

export function alertmanagerVersion(binary: string): string {
  const run = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return /version (\S+)/.exec(`${run.stdout}${run.stderr}`)?.[1] ?? 'unknown';
}

/** What the webhook receiver recorded of one notification. */
export interface WebhookNotification {
  at: number;
  status: string;
  groupLabels: Record<string, string>;
  alertNames: string[];
}

const WebhookBody = z.object({
  status: z.string(),
  groupLabels: z.record(z.string(), z.string()).default({}),
  alerts: z.array(z.object({ labels: z.record(z.string(), z.string()) })),
});

export interface WebhookReceiver {
  url: string;
  notifications: WebhookNotification[];
  /** Bodies that were not an Alertmanager webhook payload. */
  malformed: number;
  stop(): Promise<void>;
}

/** A local HTTP server that counts Alertmanager's webhook notifications and the alerts in them. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const receiver = { notifications: [] as WebhookNotification[], malformed: 0 };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        const body = WebhookBody.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        receiver.notifications.push({
          at: Date.now(),
          status: body.status,
          groupLabels: body.groupLabels,
          alertNames: body.alerts.map((alert) => alert.labels.alertname ?? ''),
        });
      } catch {
        receiver.malformed += 1;
      }
      response.writeHead(200).end();
    });
  });
  const port = await listen(server, 0);
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hook`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

export interface RouteTimings {
  groupWait: string;
  groupInterval: string;
  repeatInterval: string;
}

export interface AlertmanagerProcess {
  url: string;
  pid: number;
  /** CPU seconds (user + system) the process has used so far, from /proc. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** Starts Alertmanager on 127.0.0.1, clustering off, grouping by `service` into the webhook receiver. */
export async function startAlertmanager(
  binary: string,
  webhookUrl: string,
  timings: RouteTimings,
): Promise<AlertmanagerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-alertmanager-'));
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(
    config,
    [
      'route:',
      '  receiver: bench',
      "  group_by: ['service']",
      `  group_wait: ${timings.groupWait}`,
      `  group_interval: ${timings.groupInterval}`,
      `  repeat_interval: ${timings.repeatInterval}`,
      'receivers:',
      '  - name: bench',
      '    webhook_configs:',
      `      - url: ${JSON.stringify(webhookUrl)}`,
      '        send_resolved: false',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const log = join(dir, 'alertmanager.log');
  const logFd = openSync(log, 'w');
  let child: ChildProcess | undefined;
  let removed = false;
  const removeSync = () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (!removed) rmSync(dir, { recursive: true, force: true });
    removed = true;
  };
  process.once('exit', removeSync);
  try {
    child = spawn(
      binary,
      [
        `--config.file=${config}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      { stdio: ['ignore', logFd, logFd] },
    );
  } finally {
    closeSync(logFd);
  }
  const running = child;
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
  const logTail = () => readFileSync(log, 'utf8').trim().split('\n').slice(-10).join('\n');

  const readyBy = Date.now() + 20_000;
  for (;;) {
    if (running.exitCode !== null) {
      const tail = logTail();
      removeSync();
      throw new Error(`Alertmanager exited with code ${running.exitCode} before it was ready:\n${tail}`);
    }
    if (await isReady(url)) break;
    if (Date.now() > readyBy) {
      const tail = logTail();
      removeSync();
      throw new Error(`Alertmanager was not ready at ${url}/-/ready within 20 s:\n${tail}`);
    }
    await sleep(100);
  }

  const ticks = clockTicksPerSecond();
  return {
    url,
    pid: running.pid ?? -1,
    cpuSeconds() {
      // /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks, after the parenthesized name.
      const stat = readFileSync(`/proc/${running.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / ticks;
    },
    async stop() {
      if (running.exitCode === null && running.signalCode === null) {
        running.kill('SIGTERM');
        const killer = setTimeout(() => running.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      }
      removeSync();
      process.off('exit', removeSync);
    },
  };
}

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

function clockTicksPerSecond(): number {
  const run = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(run.stdout?.trim());
  return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
}

/** A port free on 127.0.0.1 right now (Alertmanager takes an address, not port 0). */
async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server, 0);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
