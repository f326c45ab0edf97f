import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { decrypt, encrypt } from '../crypto';
import { ValidationError } from '../errors';

/**
 * Photographs attached to alerts (for example a photo of a pregnant woman at risk, uploaded by a
 * safeguarding midwife). Uploads are untrusted: the type is decided by the bytes alone (never by file
 * name or declared content type), only JPEG and PNG are accepted, and every accepted image is decoded
 * and re-encoded as a plain JPEG with no metadata at all, so no EXIF (camera, time, GPS location),
 * XMP, IPTC, ICC profile or comment from the original survives. Stored photographs are encrypted with
 * the photo's id as associated data.
 */

const MiB = 1024 * 1024;

export const PHOTOGRAPH_DEFAULTS = {
  maxBytes: 10 * MiB,
  maxDimension: 1600,
  /** Decompression-bomb guard: width × height of the decoded input. */
  maxPixels: 50_000_000,
} as const;

export interface PhotographOptions {
  /** Largest upload accepted, in bytes (default 10 MiB). */
  maxBytes?: number;
  /** The longer side of the output is at most this many pixels (default 1600); never enlarged. */
  maxDimension?: number;
  /** Largest input width × height accepted (default 50 megapixels). */
  maxPixels?: number;
}

export interface ProcessedPhotograph {
  data: Buffer;
  contentType: 'image/jpeg';
  width: number;
  height: number;
}

export const PHOTOGRAPH_MESSAGES = {
  empty: 'The selected photograph is empty',
  tooBig: (maxBytes: number) => `The photograph must be smaller than ${formatMegabytes(maxBytes)}`,
  wrongType: 'The photograph must be a JPG or PNG',
  unreadable: 'The photograph could not be read: try saving it again as a JPG',
  tooManyPixels: 'The photograph is too large to process: save it at a smaller size and try again',
} as const;

function formatMegabytes(bytes: number): string {
  const mb = bytes / MiB;
  return `${Number.isInteger(mb) ? mb : Math.floor(mb * 10) / 10} MB`;
}

type Sniffed = 'jpeg' | 'png';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The image type from its magic bytes, or null for anything that is not JPEG or PNG. */
export function sniffImageType(input: Buffer): Sniffed | null {
  if (input.length >= 3 && input[0] === 0xff && input[1] === 0xd8 && input[2] === 0xff) return 'jpeg';
  if (input.length >= PNG_SIGNATURE.length && input.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) return 'png';
  return null;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

/**
 * Check an uploaded photograph and turn it into a clean JPEG: EXIF orientation applied, all metadata
 * removed, converted to sRGB, transparency flattened onto white, resized to fit within `maxDimension`
 * (never enlarged), re-encoded at quality 85 with mozjpeg. Throws `ValidationError({ [field]: message })`
 * for anything that is not an acceptable photograph.
 */
export async function processPhotograph(input: Buffer, opts: PhotographOptions = {}, field = 'photo'): Promise<ProcessedPhotograph> {
  const maxBytes = positiveInteger('maxBytes', opts.maxBytes ?? PHOTOGRAPH_DEFAULTS.maxBytes);
  const maxDimension = positiveInteger('maxDimension', opts.maxDimension ?? PHOTOGRAPH_DEFAULTS.maxDimension);
  const maxPixels = positiveInteger('maxPixels', opts.maxPixels ?? PHOTOGRAPH_DEFAULTS.maxPixels);
  const refuse = (message: string) => new ValidationError({ [field]: message });

  // Cheap checks first: nothing is decoded until the size and the magic bytes are acceptable.
  if (input.length === 0) throw refuse(PHOTOGRAPH_MESSAGES.empty);
  if (input.length > maxBytes) throw refuse(PHOTOGRAPH_MESSAGES.tooBig(maxBytes));
  const sniffed = sniffImageType(input);
  if (!sniffed) throw refuse(PHOTOGRAPH_MESSAGES.wrongType);

  // 'warning' is sharp's most sensitive level, advised for untrusted input: truncated or corrupt data
  // is refused rather than decoded into a half-grey picture. limitInputPixels stops decompression bombs.
  const inputOptions = { failOn: 'warning', limitInputPixels: maxPixels, pages: 1 } as const;
  const mapError = (err: unknown): ValidationError =>
    refuse(err instanceof Error && /pixel limit/i.test(err.message) ? PHOTOGRAPH_MESSAGES.tooManyPixels : PHOTOGRAPH_MESSAGES.unreadable);

  // Header only: confirm the decoder agrees with the magic bytes and the pixel count is sane.
  let header: Metadata;
  try {
    header = await sharp(input, inputOptions).metadata();
  } catch (err) {
    throw mapError(err);
  }
  if (header.format !== sniffed) throw refuse(PHOTOGRAPH_MESSAGES.unreadable);
  if (!header.width || !header.height) throw refuse(PHOTOGRAPH_MESSAGES.unreadable);
  if (header.width * header.height > maxPixels) throw refuse(PHOTOGRAPH_MESSAGES.tooManyPixels);

  let result: { data: Buffer; info: OutputInfo };
  try {
    // No keepMetadata/keepExif/keepIccProfile/withMetadata: sharp then writes no EXIF, XMP, IPTC,
    // ICC profile or comments, and converts the pixels to sRGB.
    result = await sharp(input, inputOptions)
      .rotate() // apply the EXIF orientation, so stripping the tag does not leave the picture sideways
      .resize({ width: maxDimension, height: maxDimension, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .jpeg({ quality: 85, mozjpeg: true })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw mapError(err);
  }

  // Make sure: the output must carry no metadata at all. A failure here is a bug, not bad input.
  const out = await sharp(result.data).metadata();
  if (out.format !== 'jpeg' || out.exif || out.xmp || out.iptc || out.icc || out.comments?.length || out.tifftagPhotoshop) {
    throw new Error('Photograph re-encoding left metadata in the output');
  }

  return { data: result.data, contentType: 'image/jpeg', width: result.info.width, height: result.info.height };
}

const photoAad = (photoId: string) => {
  if (!photoId) throw new Error('A photograph id is required');
  return `photo:${photoId}`;
};

/** Encrypt a processed photograph for storage, bound to its photo id. */
export function sealPhotograph(key: Buffer, photoId: string, data: Buffer): Buffer {
  return encrypt(key, data, photoAad(photoId));
}

/** Decrypt a stored photograph; throws if the blob was tampered with or belongs to another photo id. */
export function openPhotograph(key: Buffer, photoId: string, blob: Buffer): Buffer {
  return decrypt(key, blob, photoAad(photoId));
}
