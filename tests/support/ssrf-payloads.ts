/**
 * The SSRF payloads of reliability P3 and the stub resolver they need, shared
 * by the in-process test (src/server/net/safe-fetch.test.ts) and the probe
 * that runs the same list inside a network namespace
 * (tests/support/ssrf-netns-probe.mjs). Every loopback payload aims at the
 * canary port, so a check that let one through would show up as a hit on
 * the canary listener. Plain TypeScript (no enums, no parameter
 * properties), so Node can load it with its own type stripping.
 */

export interface SsrfPayload {
  name: string;
  url: string;
}

/** Host names the stub resolver answers; each leads somewhere a member must not reach. */
export const stubbedNames: Record<string, readonly { address: string; family: number }[]> = {
  'loopback.example.test': [{ address: '127.0.0.1', family: 4 }],
  'loopback6.example.test': [{ address: '::1', family: 6 }],
  'metadata.example.test': [{ address: '169.254.169.254', family: 4 }],
  'mapped.example.test': [{ address: '::ffff:127.0.0.1', family: 6 }],
  'private.example.test': [{ address: '10.1.2.3', family: 4 }],
  // One public answer beside a private one: every answer must pass.
  'mixed.example.test': [
    { address: '93.184.216.34', family: 4 },
    { address: '127.0.0.1', family: 4 },
  ],
};

/** A resolver that knows only stubbedNames (and any extra entries); counts its calls. */
export function stubLookup(extra: Record<string, readonly { address: string; family: number }[]> = {}) {
  const table = { ...stubbedNames, ...extra };
  const calls: string[] = [];
  const lookup = (hostname: string) => {
    calls.push(hostname);
    const answer = table[hostname];
    if (!answer)
      return Promise.reject(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
    return Promise.resolve(answer);
  };
  return { lookup, calls };
}

/** PostgreSQL's port and s3rver's default one, which P3 names. */
const POSTGRES_PORT = 5432;
const S3_FAKE_PORT = 4568;

export function ssrfPayloads(canaryPort: number): SsrfPayload[] {
  const c = canaryPort;
  return [
    { name: 'IPv4 loopback', url: `http://127.0.0.1:${c}/` },
    { name: 'localhost', url: `http://localhost:${c}/` },
    { name: 'localhost with a trailing dot', url: `http://localhost.:${c}/` },
    { name: 'a .localhost subdomain', url: `http://api.localhost:${c}/` },
    { name: 'IPv6 loopback', url: `http://[::1]:${c}/` },
    { name: 'unspecified IPv4', url: `http://0.0.0.0:${c}/` },
    { name: 'unspecified IPv6', url: `http://[::]:${c}/` },
    { name: 'cloud metadata', url: 'http://169.254.169.254/latest/meta-data/' },
    { name: '10/8', url: 'http://10.0.0.1/' },
    { name: '172.16/12', url: 'http://172.16.0.1/' },
    { name: '172.31.255.255 (end of 172.16/12)', url: 'http://172.31.255.255/' },
    { name: '192.168/16', url: 'http://192.168.1.1/' },
    { name: '100.64/10 (CGNAT)', url: 'http://100.64.0.1/' },
    { name: 'multicast IPv4', url: 'http://224.0.0.1/' },
    { name: 'broadcast', url: 'http://255.255.255.255/' },
    { name: 'fc00::/7 (unique local)', url: 'http://[fc00::1]/' },
    { name: 'fd00::/8 (unique local)', url: 'http://[fd12:3456:789a::1]/' },
    { name: 'fe80::/10 (link-local)', url: 'http://[fe80::1]/' },
    { name: 'multicast IPv6', url: 'http://[ff02::1]/' },
    { name: 'IPv4-mapped loopback', url: `http://[::ffff:127.0.0.1]:${c}/` },
    { name: 'IPv4-mapped loopback, hex', url: `http://[::ffff:7f00:1]:${c}/` },
    { name: 'IPv4-mapped private', url: 'http://[::ffff:10.0.0.1]/' },
    { name: 'NAT64 of loopback', url: `http://[64:ff9b::7f00:1]:${c}/` },
    { name: '6to4 of loopback', url: `http://[2002:7f00:1::1]:${c}/` },
    { name: 'decimal IPv4', url: `http://2130706433:${c}/` },
    { name: 'octal IPv4', url: `http://017700000001:${c}/` },
    { name: 'hex IPv4', url: `http://0x7f000001:${c}/` },
    { name: 'dotted hex IPv4', url: `http://0x7f.0x0.0x0.0x1:${c}/` },
    { name: 'short IPv4', url: `http://127.1:${c}/` },
    { name: 'a name the resolver maps to loopback', url: `http://loopback.example.test:${c}/` },
    { name: 'a name the resolver maps to IPv6 loopback', url: `http://loopback6.example.test:${c}/` },
    { name: 'a name the resolver maps to metadata', url: 'http://metadata.example.test/' },
    { name: 'a name the resolver maps to IPv4-mapped loopback', url: `http://mapped.example.test:${c}/` },
    { name: 'a name the resolver maps to 10/8', url: 'http://private.example.test/' },
    { name: 'a name with one public and one loopback address', url: `http://mixed.example.test:${c}/` },
    { name: 'https to loopback', url: `https://127.0.0.1:${c}/` },
    { name: 'file:', url: 'file:///etc/passwd' },
    { name: 'gopher:', url: `gopher://127.0.0.1:${c}/_GET%20/` },
    { name: 'data:', url: 'data:image/png;base64,iVBORw0KGgo=' },
    { name: 'ftp:', url: `ftp://127.0.0.1:${c}/` },
    { name: 'javascript:', url: 'javascript:alert(1)' },
    { name: 'credentials in the URL', url: 'http://user:secret@example.com/' },
    { name: 'credentials hiding the real host', url: `http://example.com@127.0.0.1:${c}/` },
    { name: 'empty credentials before loopback', url: `http://@127.0.0.1:${c}/` },
    { name: 'a zone id', url: `http://[fe80::1%25lo]:${c}/` },
    { name: 'PostgreSQL port', url: `http://127.0.0.1:${POSTGRES_PORT}/` },
    { name: 'S3 fake port', url: `http://127.0.0.1:${S3_FAKE_PORT}/bucket/key` },
    { name: 'not a URL', url: 'not a url at all' },
  ];
}

/** The errors a refused payload may end in: all raised before any connection is made. */
export const refusalCodes = ['invalid_url', 'forbidden_address'] as const;
