import argon2 from 'argon2';

// OWASP's argon2id baseline (19 MiB, 2 iterations, 1 lane) — strong, and quick enough for a sign-in page.
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string) => argon2.hash(password, OPTIONS);

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** A hash of a random value: checked against when the account does not exist, so timing reveals nothing. */
let decoy: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
  decoy ??= hashPassword(`decoy-${Math.random()}`);
  await verifyPassword(await decoy, password);
}

export const PASSWORD_RULES = 'at least 12 characters';

/** Length over composition (NCSC guidance): 12+ characters, not a few obvious ones. */
export function passwordProblem(password: string, email?: string): string | null {
  if (password.length < 12) return `Enter a password with ${PASSWORD_RULES}`;
  if (password.length > 256) return 'Enter a password of 256 characters or fewer';
  if (new Set(password).size < 5) return 'Enter a password that is not the same few characters repeated';
  if (email && password.toLowerCase().includes(email.split('@')[0]!.toLowerCase())) return 'Enter a password that does not contain your email address';
  return null;
}
