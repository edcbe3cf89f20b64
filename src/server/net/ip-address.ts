/**
 * Which IP addresses a member-supplied URL may reach (reliability P3). Only
 * globally routable unicast addresses pass; everything that leads into the
 * machine or its private networks is refused: loopback, "this network",
 * RFC 1918, carrier-grade NAT, link-local (cloud metadata at
 * 169.254.169.254), unique-local, multicast, reserved and documentation
 * ranges, and the IPv6 forms that wrap an IPv4 address (IPv4-mapped,
 * NAT64, 6to4), judged by the address they wrap or refused outright.
 *
 * Addresses are parsed here rather than compared as text, so `::ffff:7f00:1`
 * and `::ffff:127.0.0.1` are the same loopback address. Numeric host forms
 * such as `2130706433`, `0x7f.1` or `017700000001` never reach this module
 * as text: the WHATWG URL parser turns them into dotted IPv4 first, and the
 * resolver answers dotted addresses. Imports only Node built-ins, so the
 * network-namespace test can load it with Node's own type stripping.
 */
import { isIP } from 'node:net';

/** IPv4 ranges that are not public, as [first octets as a number, prefix length]. */
const PRIVATE_V4: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local machine on Linux
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
];

function v4ToNumber(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

const PRIVATE_V4_RANGES = PRIVATE_V4.map(([base, prefix]) => {
  const size = 2 ** (32 - prefix);
  const start = v4ToNumber(base)!;
  return { start, end: start + size - 1 };
});

function isPublicV4Number(value: number): boolean {
  return !PRIVATE_V4_RANGES.some((range) => value >= range.start && value <= range.end);
}

/**
 * The eight 16-bit groups of an IPv6 address, or null when it is not one
 * (zone ids such as `fe80::1%eth0` are refused: they only name local links).
 */
export function parseIPv6(address: string): number[] | null {
  if (address.includes('%')) return null;
  let text = address.toLowerCase();
  const groups: number[] = [];
  // A dotted IPv4 tail (::ffff:127.0.0.1) stands for the last two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  let tailGroups: number[] = [];
  if (tail.includes('.')) {
    const v4 = v4ToNumber(tail);
    if (v4 === null) return null;
    tailGroups = [Math.floor(v4 / 65536), v4 % 65536];
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const explicit = head.length + rest.length;
  if (halves.length === 1 && explicit !== 8) return null;
  if (halves.length === 2 && explicit > 7) return null;
  for (const group of [...head, ...Array<string>(8 - explicit).fill('0'), ...rest]) {
    if (!/^[0-9a-f]{1,4}$/.test(group)) return null;
    groups.push(parseInt(group, 16));
  }
  if (tailGroups.length) groups.splice(6, 2, ...tailGroups);
  return groups;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d), else null. */
function mappedV4(groups: number[]): number | null {
  const isMapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  return isMapped ? groups[6]! * 65536 + groups[7]! : null;
}

function isPublicV6(groups: number[]): boolean {
  const v4 = mappedV4(groups);
  if (v4 !== null) return isPublicV4Number(v4);
  const [first = 0, second = 0] = groups;
  // Only 2000::/3 is global unicast. This refuses ::/128, ::1, IPv4-compatible
  // ::a.b.c.d, NAT64 64:ff9b::/96, discard 100::/64, fc00::/7 (unique local),
  // fe80::/10 (link-local), fec0::/10 (old site-local) and ff00::/8 (multicast).
  if ((first & 0xe000) !== 0x2000) return false;
  if (first === 0x2001 && second < 0x0200) return false; // 2001::/23: Teredo, ORCHID, benchmarking…
  if (first === 0x2001 && second === 0x0db8) return false; // 2001:db8::/32: documentation
  if (first === 0x2002) return false; // 6to4: wraps an IPv4 address that may be private
  if ((first & 0xfff0) === 0x3ff0) return false; // 3fff::/20: documentation
  return true;
}

/** True only for a globally routable unicast address; false for anything else, including non-addresses. */
export function isPublicAddress(address: string): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 4) {
    const value = v4ToNumber(bare);
    return value !== null && isPublicV4Number(value);
  }
  if (family === 6) {
    const groups = parseIPv6(bare);
    return groups !== null && isPublicV6(groups);
  }
  return false;
}

/**
 * One spelling per address, for comparing an allowlist entry or a socket's
 * peer with a vetted address: IPv4 dotted, IPv6 as eight lower-case groups
 * without leading zeros (IPv4-mapped addresses as their IPv4 address).
 */
export function canonicalAddress(address: string): string | null {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 4) return bare;
  if (family !== 6) return null;
  const groups = parseIPv6(bare);
  if (!groups) return null;
  const v4 = mappedV4(groups);
  if (v4 !== null) return [v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255].join('.');
  return groups.map((g) => g.toString(16)).join(':');
}
