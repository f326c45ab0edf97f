/**
 * Phonetic keys for name tokens: Double Metaphone primary and secondary codes. Two names "sound
 * alike" when any code of one equals any code of the other (Stephens/Stevens, Siobhan/Shavon is
 * not caught: that is what the nickname table and string similarity are for).
 */
import { doubleMetaphone } from 'double-metaphone';

export interface PhoneticKeys {
  primary: string;
  /** Equal to primary when the algorithm gives only one reading. */
  secondary: string;
}

// Query tokens repeat heavily (common names), so a bounded cache saves most of the work. It is
// cleared rather than evicted when full: simple, allocation-free on the hot path, and names
// re-enter it quickly.
const CACHE_LIMIT = 50_000;
const cache = new Map<string, PhoneticKeys>();

const EMPTY: PhoneticKeys = { primary: '', secondary: '' };

/** Double Metaphone codes for one normalised name token; empty codes for a token without Latin letters. */
export function phoneticKeys(token: string): PhoneticKeys {
  if (!token) return EMPTY;
  const hit = cache.get(token);
  if (hit) return hit;
  let keys: PhoneticKeys;
  if (!/[a-z]/.test(token)) {
    keys = EMPTY;
  } else {
    const [primary, secondary] = doubleMetaphone(token);
    keys = { primary, secondary: secondary || primary };
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(token, keys);
  return keys;
}

/** True when two tokens share a Double Metaphone code (either reading of either token). */
export function soundsAlike(a: string, b: string): boolean {
  const ka = phoneticKeys(a);
  const kb = phoneticKeys(b);
  if (!ka.primary || !kb.primary) return false;
  return ka.primary === kb.primary || ka.primary === kb.secondary || ka.secondary === kb.primary || ka.secondary === kb.secondary;
}
