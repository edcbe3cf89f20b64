/**
 * The trusted-proxy rule (decision 004): the client IP is the socket address,
 * unless that peer is a configured proxy; then it is the right-most
 * X-Forwarded-For entry that is not a configured proxy. Spoofed headers from
 * anyone else are ignored. The rate limiter and Better Auth both use it.
 */
export function clientIp(options: {
  socketAddress: string | undefined;
  forwardedFor: string | undefined | null;
  trustedProxies: readonly string[];
}): string {
  const peer = normalize(options.socketAddress ?? '') || 'unknown';
  if (!options.trustedProxies.includes(peer) || !options.forwardedFor) return peer;
  const hops = options.forwardedFor
    .split(',')
    .map((h) => normalize(h.trim()))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    if (hop && !options.trustedProxies.includes(hop)) return hop;
  }
  return peer;
}

/** "::ffff:127.0.0.1" and "127.0.0.1" are the same client. */
function normalize(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
