/**
 * Runs the P3 payloads against the real fetcher inside a network namespace
 * whose only interface is loopback (started by
 * src/server/net/safe-fetch-netns.test.ts as
 * `unshare --net sh -c 'ip link set lo up && exec node <this file>'`), so a
 * check that failed could not send a packet off the machine. Inside the
 * namespace it starts the canary (127.0.0.1 and ::1) and the allowed fake
 * host (127.0.0.2), uses the system resolver for every name except the
 * stubbed ones, and prints one JSON line of figures; the test asserts.
 * The TypeScript sources load through Node's own type stripping.
 */
import { once } from 'node:events';
import http from 'node:http';
import { registerHooks } from 'node:module';
import net from 'node:net';

// The sources import without extensions, as the bundler allows; Node needs the `.ts`.
registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (!specifier.startsWith('.')) throw error;
      return nextResolve(`${specifier}.ts`, context);
    }
  },
});

const { safeFetch, systemLookup } = await import('../../src/server/net/safe-fetch.ts');
const { ssrfPayloads, stubbedNames } = await import('./ssrf-payloads.ts');

const ALLOWED_HOST = '127.0.0.2';
let canaryHits = 0;
const servers = [];

async function listen(server, host, port) {
  server.listen(port, host);
  await once(server, 'listening');
  servers.push(server);
  return server.address().port;
}

const canary = () =>
  net.createServer((socket) => {
    canaryHits++;
    socket.destroy();
  });
const canaryPort = await listen(canary(), '127.0.0.1', 0);
let ipv6Canary = true;
try {
  await listen(canary(), '::1', canaryPort);
} catch {
  ipv6Canary = false;
}

const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC',
  'base64',
);
const allowed = http.createServer((request, response) => {
  if (request.url === '/to-canary') {
    response.writeHead(302, { location: `http://127.0.0.1:${canaryPort}/` });
    response.end();
  } else {
    response.writeHead(200, { 'content-type': 'image/png' });
    response.end(png);
  }
});
const allowedPort = await listen(allowed, ALLOWED_HOST, 0);

// Stubbed names as in the in-process test; every other name goes to the system resolver.
const resolverCalls = [];
const lookup = (hostname) => {
  resolverCalls.push(hostname);
  return stubbedNames[hostname] ? Promise.resolve(stubbedNames[hostname]) : systemLookup(hostname);
};

const connects = [];
const outcomes = {};
for (const payload of ssrfPayloads(canaryPort)) {
  try {
    await safeFetch(payload.url, {
      maxBytes: 1024 * 1024,
      timeoutMs: 2_000,
      lookup,
      onConnect: (target) => connects.push(`${payload.name} -> ${target.address}:${target.port}`),
    });
    outcomes[payload.name] = 'fetched';
  } catch (error) {
    outcomes[payload.name] = error?.code ?? String(error);
  }
}

const base = `http://${ALLOWED_HOST}:${allowedPort}`;
let allowedFetch;
try {
  const result = await safeFetch(`${base}/image.png`, { maxBytes: 1024, allow: [ALLOWED_HOST] });
  allowedFetch = result.bytes.equals(png) ? 'ok' : 'wrong bytes';
} catch (error) {
  allowedFetch = error?.code ?? String(error);
}
let redirectToCanary;
try {
  await safeFetch(`${base}/to-canary`, { maxBytes: 1024, allow: [ALLOWED_HOST] });
  redirectToCanary = 'fetched';
} catch (error) {
  redirectToCanary = error?.code ?? String(error);
}

// The namespace really is closed: a packet for another machine has no route.
const offMachine = await new Promise((resolve) => {
  const socket = net.connect({ host: '192.0.2.1', port: 80, timeout: 2_000 });
  socket.once('connect', () => {
    socket.destroy();
    resolve('connected');
  });
  socket.once('timeout', () => {
    socket.destroy();
    resolve('timeout');
  });
  socket.once('error', (error) => resolve(error.code ?? 'error'));
});

for (const server of servers) server.close();
process.stdout.write(
  `${JSON.stringify({
    payloads: Object.keys(outcomes).length,
    outcomes,
    connects,
    canaryHits,
    ipv6Canary,
    resolverCalls,
    allowedFetch,
    redirectToCanary,
    offMachine,
  })}\n`,
);
