import { readFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VENDOR_PREFIX, vendorFile } from '../../local/console-vendor';

const CONSOLE = new URL('../../local/console/', import.meta.url);
const TYPES: Record<string, string> = { html: 'text/html', js: 'text/javascript', css: 'text/css' };

export interface ConsoleOrigin {
  url: string;
  stop(): Promise<void>;
}

/**
 * The console's files on an origin of their own, as the deployed bucket serves them behind CloudFront: `/`
 * is index.html, `/console/<file>` the files of local/console, `/console/vendor/…` the vendored ones, and
 * `/console/config.json` what `config()` answers; every answer carries the Content-Security-Policy `csp()`
 * (the distribution's response-headers policy). On a free port of 127.0.0.1; the test stops it.
 */
export async function startConsoleOrigin(options: {
  config: () => unknown;
  csp: () => string;
}): Promise<ConsoleOrigin> {
  const server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://127.0.0.1');
    void serve(pathname, options, response).catch(() => notFound(response));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function serve(
  pathname: string,
  options: { config: () => unknown; csp: () => string },
  response: ServerResponse,
): Promise<void> {
  const headers = { 'content-security-policy': options.csp(), 'x-content-type-options': 'nosniff' };
  if (pathname === '/console/config.json') {
    response.writeHead(200, { ...headers, 'content-type': 'application/json' });
    return void response.end(JSON.stringify(options.config()));
  }
  if (pathname.startsWith(VENDOR_PREFIX)) {
    const vendor = await vendorFile(pathname.slice(VENDOR_PREFIX.length));
    if (!vendor) return notFound(response);
    response.writeHead(200, { ...headers, 'content-type': vendor.contentType });
    return void response.end(vendor.content);
  }
  const name = pathname === '/' ? 'index.html' : pathname.replace(/^\/console\//, '');
  if (!/^[\w-]+\.(html|js|css)$/.test(name)) return notFound(response);
  const content = await readFile(new URL(name, CONSOLE));
  response.writeHead(200, { ...headers, 'content-type': TYPES[name.split('.').pop() ?? ''] ?? 'text/plain' });
  response.end(content);
}

function notFound(response: ServerResponse): void {
  response.writeHead(404, { 'content-type': 'text/plain' });
  response.end('not found');
}
