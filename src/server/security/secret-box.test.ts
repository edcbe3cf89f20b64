import { describe, expect, it } from 'vitest';
import { createSecretBox, keyHint, SecretBoxError } from './secret-box';

const secret = 'a'.repeat(40);

describe('secret box', () => {
  it('opens what it sealed, and never shows the plaintext in the sealed text', () => {
    const box = createSecretBox(secret, 'provider-keys');
    const sealed = box.seal('sk-live-123456789', 'provider:openai');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('sk-live');
    expect(box.open(sealed, 'provider:openai')).toBe('sk-live-123456789');
  });

  it('uses a fresh nonce each time', () => {
    const box = createSecretBox(secret, 'provider-keys');
    expect(box.seal('same', 'x')).not.toBe(box.seal('same', 'x'));
  });

  it('refuses another context, another secret, another purpose and any tampering', () => {
    const box = createSecretBox(secret, 'provider-keys');
    const sealed = box.seal('sk-1', 'provider:openai');
    expect(() => box.open(sealed, 'provider:fal')).toThrow(SecretBoxError);
    expect(() => createSecretBox('b'.repeat(40), 'provider-keys').open(sealed, 'provider:openai')).toThrow(
      SecretBoxError,
    );
    expect(() => createSecretBox(secret, 'other').open(sealed, 'provider:openai')).toThrow(SecretBoxError);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[2]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[2] = body.toString('base64url');
    expect(() => box.open(parts.join('.'), 'provider:openai')).toThrow(SecretBoxError);
    expect(() => box.open('v2.a.b.c', 'provider:openai')).toThrow(SecretBoxError);
    expect(() => box.open('garbage', 'provider:openai')).toThrow(SecretBoxError);
  });

  it('refuses a short secret', () => {
    expect(() => createSecretBox('short', 'x')).toThrow(SecretBoxError);
  });

  it('hints at a key by its last four characters only', () => {
    expect(keyHint('sk-proj-abcdefghijkl')).toBe('••••ijkl');
    expect(keyHint('short')).toBe('••••');
  });
});
