import { describe, expect, it } from 'vitest';
import { clientIp } from './client-ip';

describe('clientIp (trusted-proxy rule)', () => {
  it('uses the socket address when the peer is not a trusted proxy', () => {
    expect(clientIp({ socketAddress: '203.0.113.5', forwardedFor: '1.2.3.4', trustedProxies: [] })).toBe(
      '203.0.113.5',
    );
  });

  it('takes the right-most untrusted X-Forwarded-For hop behind a trusted proxy', () => {
    expect(
      clientIp({
        socketAddress: '10.0.0.2',
        forwardedFor: '6.6.6.6, 198.51.100.7, 10.0.0.3',
        trustedProxies: ['10.0.0.2', '10.0.0.3'],
      }),
    ).toBe('198.51.100.7');
  });

  it('normalizes IPv4-mapped IPv6 addresses', () => {
    expect(clientIp({ socketAddress: '::ffff:127.0.0.1', forwardedFor: null, trustedProxies: [] })).toBe(
      '127.0.0.1',
    );
  });

  it('falls back to the proxy when every hop is trusted', () => {
    expect(
      clientIp({
        socketAddress: '10.0.0.2',
        forwardedFor: '10.0.0.3',
        trustedProxies: ['10.0.0.2', '10.0.0.3'],
      }),
    ).toBe('10.0.0.2');
  });
});
