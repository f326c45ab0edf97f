import { generate, generateSecret, generateURI, verify } from 'otplib';

/** Time-based one-time passwords (RFC 6238, 6 digits, 30 s), as authenticator apps expect. */
export const newTotpSecret = () => generateSecret();

export const totpUri = (secret: string, email: string) => generateURI({ issuer: 'Beacon', label: email, secret });

export const totpCode = (secret: string, epochSeconds?: number) => generate({ secret, ...(epochSeconds !== undefined ? { epoch: epochSeconds } : {}) });

/**
 * Check a code, allowing one step of clock drift either way, and refusing any step at or before the
 * last one accepted (so an overheard code cannot be replayed). Returns the accepted step, or null.
 */
export async function checkTotp(secret: string, code: string, lastStep: number | null): Promise<number | null> {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const result = await verify({
    secret,
    token,
    epochTolerance: 30,
    ...(lastStep !== null ? { afterTimeStep: lastStep } : {}),
  });
  return result.valid ? (result as { timeStep: number }).timeStep : null;
}
