import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * AES-256-GCM with a random 96-bit nonce. Output: version byte, nonce, tag, ciphertext. Used for
 * secrets at rest (TOTP secrets, photographs). `aad` binds a ciphertext to its owner (e.g. a user id),
 * so a value copied to another row does not decrypt.
 */
const VERSION = 1;

export function encrypt(key: Buffer, plaintext: Buffer, aad?: string): Buffer {
  if (key.length !== 32) throw new Error('Encryption key must be 32 bytes');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (aad) cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
}

export function decrypt(key: Buffer, blob: Buffer, aad?: string): Buffer {
  if (blob.length < 29 || blob[0] !== VERSION) throw new Error('Not an encrypted Beacon value');
  const iv = blob.subarray(1, 13);
  const tag = blob.subarray(13, 29);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  if (aad) decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(blob.subarray(29)), decipher.final()]);
}

export const encryptText = (key: Buffer, text: string, aad?: string) => encrypt(key, Buffer.from(text, 'utf8'), aad).toString('base64');
export const decryptText = (key: Buffer, b64: string, aad?: string) => decrypt(key, Buffer.from(b64, 'base64'), aad).toString('utf8');

export const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');
export const randomToken = (bytes = 32) => randomBytes(bytes).toString('base64url');

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
