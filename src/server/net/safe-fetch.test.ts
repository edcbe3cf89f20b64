/**
 * Reliability P3 in-process: every SSRF payload is refused before a
 * connection is opened, with a loopback canary listener that must see no
 * connection; a stub resolver (name -> loopback, DNS rebinding); redirects
 * re-checked at every hop; the 10 s timeout and the size cap. The allowed
 * host is a fake on 127.0.0.2, reachable only because the test allowlists
 * exactly that address. The same payloads also run inside a network
 * namespace (safe-fetch-netns.test.ts).
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusalCodes, ssrfPayloads, stubLookup } from '../../../tests/support/ssrf-payloads';
import { canonicalAddress, isPublicAddress, parseIPv6 } from './ip-address';
import {
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_TIMEOUT_MS,
  parseAllowlist,
  safeFetch,
  SafeFetchError,
  type SafeFetchOptions,
} from './safe-fetch';

const ALLOWED_HOST = '127.0.0.2';

interface Canary {
  hits: number;
  servers: net.Server[];
}

async function listen(server: net.Server, host: string, port: number): Promise<number> {
  server.listen(port, host);
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

/** Counts every connection to host:port; the test asserts it stays at zero. */
async function canaryOn(canary: Canary, host: string, port: number): Promise<number> {
  const server = net.createServer((socket) => {
    canary.hits++;
    socket.destroy();
  });
  canary.servers.push(server);
  return listen(server, host, port);
}

let png: Buffer;
let canary: Canary;
let canaryPort: number;
let allowed: http.Server;
let allowedPort: number;
const openSockets = new Set<net.Socket>();
/** Bytes the allowed host wrote for /huge before the client went away. */
let hugeWritten = 0;

function base(path: string) {
  return `http://${ALLOWED_HOST}:${allowedPort}${path}`;
}

beforeAll(async () => {
  png = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } })
    .png()
    .toBuffer();
  canary = { hits: 0, servers: [] };
  canaryPort = await canaryOn(canary, '127.0.0.1', 0);
  try {
    await canaryOn(canary, '::1', canaryPort);
  } catch {
    // No IPv6 loopback here: the IPv4 canary still covers the mapped forms.
  }

  allowed = http.createServer((request, response) => {
    const path = request.url ?? '/';
    if (path === '/image.png') {
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
      response.end(png);
    } else if (path === '/to-canary') {
      response.writeHead(302, { location: `http://127.0.0.1:${canaryPort}/` });
      response.end();
    } else if (path === '/to-canary-by-name') {
      response.writeHead(307, { location: `http://loopback.example.test:${canaryPort}/` });
      response.end();
    } else if (path === '/to-file') {
      response.writeHead(301, { location: 'file:///etc/passwd' });
      response.end();
    } else if (path === '/relative') {
      response.writeHead(302, { location: '/image.png' });
      response.end();
    } else if (path.startsWith('/chain/')) {
      const left = Number(path.slice('/chain/'.length));
      response.writeHead(302, { location: left > 0 ? `/chain/${left - 1}` : '/image.png' });
      response.end();
    } else if (path === '/to-rebinding-name') {
      response.writeHead(302, { location: `http://rebind.example.test:${allowedPort}/image.png` });
      response.end();
    } else if (path === '/no-location') {
      response.writeHead(302);
      response.end();
    } else if (path === '/missing') {
      response.writeHead(404);
      response.end('nothing here');
    } else if (path === '/declares-huge') {
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': 1_000_000_000 });
      response.write(png);
    } else if (path === '/huge') {
      // Streams far more than any cap, without a length; stops when the client goes away.
      response.writeHead(200, { 'content-type': 'image/png' });
      const chunk = Buffer.alloc(64 * 1024, 1);
      const pump = () => {
        while (!response.destroyed && hugeWritten < 50 * 1024 * 1024) {
          hugeWritten += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end();
      };
      pump();
    } else if (path === '/hang') {
      // Never answers.
    } else if (path === '/drip') {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.write(png.subarray(0, 8)); // then nothing more
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  allowed.on('connection', (socket: net.Socket) => {
    openSockets.add(socket);
    socket.once('close', () => openSockets.delete(socket));
  });
  allowedPort = await listen(allowed, ALLOWED_HOST, 0);
  // The rebinding target: loopback on the allowed host's port, a canary too.
  await canaryOn(canary, '127.0.0.1', allowedPort);
});

afterAll(async () => {
  for (const socket of openSockets) socket.destroy();
  await new Promise<void>((resolve) => allowed.close(() => resolve()));
  await Promise.all(canary.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

async function refusal(promise: Promise<unknown>): Promise<SafeFetchError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SafeFetchError);
  return error as SafeFetchError;
}

function options(extra: Partial<SafeFetchOptions> = {}): SafeFetchOptions & { connects: string[] } {
  const connects: string[] = [];
  return {
    maxBytes: 1024 * 1024,
    allow: [ALLOWED_HOST],
    lookup: stubLookup().lookup,
    onConnect: (target) => connects.push(`${target.address}:${target.port}`),
    connects,
    ...extra,
  };
}

describe('isPublicAddress', () => {
  it.each([
    '8.8.8.8',
    '93.184.216.34',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8',
  ])('lets the public address %s through', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '0.0.0.0',
    '0.1.2.3',
    '10.255.255.255',
    '100.64.0.1',
    '100.127.255.255',
    '169.254.169.254',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.0.1',
    '192.0.2.1',
    '198.18.0.1',
    '224.0.0.251',
    '239.255.255.250',
    '240.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    '::127.0.0.1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    '0:0:0:0:0:ffff:10.0.0.1',
    '64:ff9b::7f00:1',
    '2002:7f00:1::1',
    '2001:db8::1',
    '2001::1',
    'fc00::1',
    'fdff:ffff::1',
    'fe80::1',
    'febf::1',
    'fec0::1',
    'ff02::1',
    'fe80::1%eth0',
    'localhost',
    '',
    '1.2.3',
    '01.2.3.4.5',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it('reads IPv6 in every spelling', () => {
    expect(parseIPv6('::')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6('1::')).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6('::ffff:127.0.0.1')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIPv6('2001:DB8:0:0:0:0:0:1')).toEqual([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6('1:2:3:4:5:6:7')).toBeNull();
    expect(parseIPv6('1::2::3')).toBeNull();
    expect(parseIPv6('12345::')).toBeNull();
    expect(canonicalAddress('[::ffff:7f00:1]')).toBe('127.0.0.1');
    expect(canonicalAddress('0:0::1')).toBe('0:0:0:0:0:0:0:1');
  });
});

describe('parseAllowlist', () => {
  it('takes addresses with or without a port, and refuses anything else', () => {
    expect([...parseAllowlist(['127.0.0.2', '127.0.0.3:8080', '[::1]:81', '::2'])]).toEqual([
      '127.0.0.2',
      '127.0.0.3|8080',
      '0:0:0:0:0:0:0:1|81',
      '0:0:0:0:0:0:0:2',
    ]);
    for (const bad of ['example.com', '127.0.0.1:99999', '[::1', '']) {
      expect(() => parseAllowlist([bad])).toThrow(RangeError);
    }
  });
});

describe('safeFetch refuses SSRF payloads (P3)', () => {
  it('refuses at least 25 payloads before connecting, and the canary sees nothing', async () => {
    const payloads = ssrfPayloads(canaryPort);
    expect(payloads.length).toBeGreaterThanOrEqual(25);
    const stub = stubLookup();
    const connects: string[] = [];
    const outcomes: Record<string, string> = {};
    for (const payload of payloads) {
      const error = await refusal(
        safeFetch(payload.url, {
          maxBytes: 1024 * 1024,
          lookup: stub.lookup,
          onConnect: (target) => connects.push(`${payload.name} -> ${target.address}:${target.port}`),
        }),
      );
      outcomes[payload.name] = error.code;
    }
    const refused = Object.values(outcomes).filter((code) =>
      (refusalCodes as readonly string[]).includes(code),
    );
    expect(outcomes).toMatchObject(
      Object.fromEntries(
        payloads.map((p) => [p.name, expect.stringMatching(/^(invalid_url|forbidden_address)$/)]),
      ),
    );
    expect(refused).toHaveLength(payloads.length);
    expect(connects).toEqual([]);
    expect(canary.hits).toBe(0);
    // Names were resolved through the stub only; localhost never reached a resolver.
    expect(stub.calls).not.toContain('localhost');
    expect(stub.calls).toContain('mixed.example.test');
  });

  it('refuses the allowed host itself when it is not allowlisted', async () => {
    const o = options({ allow: [] });
    expect((await refusal(safeFetch(base('/image.png'), o))).code).toBe('forbidden_address');
    expect(o.connects).toEqual([]);
  });

  it('allows an allowlisted address only on the allowlisted port when one is given', async () => {
    const onPort = options({ allow: [`${ALLOWED_HOST}:${allowedPort}`] });
    expect((await safeFetch(base('/image.png'), onPort)).bytes.equals(png)).toBe(true);
    const otherPort = options({ allow: [`${ALLOWED_HOST}:${allowedPort === 1 ? 2 : 1}`] });
    expect((await refusal(safeFetch(base('/image.png'), otherPort))).code).toBe('forbidden_address');
  });
});

describe('safeFetch on an allowed host', () => {
  it('fetches an image and reports where it came from', async () => {
    const o = options();
    const result = await safeFetch(base('/image.png'), o);
    expect(result).toMatchObject({
      status: 200,
      contentType: 'image/png',
      address: ALLOWED_HOST,
      redirects: 0,
    });
    expect(result.bytes.equals(png)).toBe(true);
    expect(o.connects).toEqual([`${ALLOWED_HOST}:${allowedPort}`]);
  });

  it('refuses a 302 from the allowed host to loopback, before connecting there', async () => {
    const before = canary.hits;
    const o = options();
    expect((await refusal(safeFetch(base('/to-canary'), o))).code).toBe('forbidden_address');
    // Only the first hop connected.
    expect(o.connects).toEqual([`${ALLOWED_HOST}:${allowedPort}`]);
    expect(canary.hits - before).toBe(0);
  });

  it('refuses a redirect to a name that resolves to loopback, and to file:', async () => {
    const before = canary.hits;
    expect((await refusal(safeFetch(base('/to-canary-by-name'), options()))).code).toBe('forbidden_address');
    expect((await refusal(safeFetch(base('/to-file'), options()))).code).toBe('invalid_url');
    expect(canary.hits - before).toBe(0);
  });

  it('follows relative redirects, at most three', async () => {
    expect(DEFAULT_MAX_REDIRECTS).toBe(3);
    expect((await safeFetch(base('/relative'), options())).redirects).toBe(1);
    const three = await safeFetch(base('/chain/2'), options());
    expect(three).toMatchObject({ redirects: 3, url: base('/image.png') });
    const o = options();
    expect((await refusal(safeFetch(base('/chain/3'), o))).code).toBe('too_many_redirects');
    expect(o.connects).toHaveLength(4);
  });

  it('refuses a redirect without a Location and a status that is not 2xx', async () => {
    expect((await refusal(safeFetch(base('/no-location'), options()))).code).toBe('bad_redirect');
    const missing = await refusal(safeFetch(base('/missing'), options()));
    expect([missing.code, missing.status]).toEqual(['http_status', 404]);
  });

  it('pins the vetted address: a rebinding resolver cannot move the connection to loopback', async () => {
    // The stub answers the "public" (allowlisted) address first, loopback afterwards.
    const answers = [
      [{ address: ALLOWED_HOST, family: 4 }],
      [{ address: '127.0.0.1', family: 4 }],
      [{ address: '127.0.0.1', family: 4 }],
    ];
    let calls = 0;
    const lookup = (hostname: string) => {
      expect(hostname).toBe('rebind.example.test');
      return Promise.resolve(answers[Math.min(calls++, answers.length - 1)]!);
    };
    const before = canary.hits;
    const result = await safeFetch(
      `http://rebind.example.test:${allowedPort}/image.png`,
      options({ lookup }),
    );
    expect(result.address).toBe(ALLOWED_HOST);
    expect(result.bytes.equals(png)).toBe(true);
    // One lookup, made by the check; the connection used its answer rather than asking again.
    expect(calls).toBe(1);
    expect(canary.hits - before).toBe(0);

    // The next time the name is vetted (a redirect back to it), the loopback answer is refused.
    const o = options({ lookup });
    expect((await refusal(safeFetch(base('/to-rebinding-name'), o))).code).toBe('forbidden_address');
    expect(canary.hits - before).toBe(0);
  });

  it('stops reading at the size cap, and refuses a declared length over it before reading', async () => {
    hugeWritten = 0;
    const error = await refusal(safeFetch(base('/huge'), options({ maxBytes: 256 * 1024 })));
    expect(error.code).toBe('too_large');
    // The server stopped far short of its 50 MB once the client hung up (socket buffers hold a few MB at most).
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hugeWritten).toBeLessThan(20 * 1024 * 1024);

    expect((await refusal(safeFetch(base('/declares-huge'), options()))).code).toBe('too_large');
  });

  it('gives up after the timeout, whether the server is silent or stalls mid-body', async () => {
    expect(DEFAULT_TIMEOUT_MS).toBe(10_000);
    const started = Date.now();
    expect((await refusal(safeFetch(base('/hang'), options({ timeoutMs: 300 })))).code).toBe('timeout');
    expect((await refusal(safeFetch(base('/drip'), options({ timeoutMs: 300 })))).code).toBe('timeout');
    // Both ended by the timer, not by the server (which never finishes).
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('passes a caller’s abort through', async () => {
    const controller = new AbortController();
    const pending = safeFetch(base('/hang'), options({ signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('member left')), 50);
    await expect(pending).rejects.toThrow('member left');
  });
});
