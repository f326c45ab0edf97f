import { randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors';
import { openPhotograph, PHOTOGRAPH_MESSAGES, processPhotograph, sealPhotograph, sniffImageType } from './photographs';

// ---------------------------------------------------------------------------------------------
// Test images, all generated here.

type Rgb = { r: number; g: number; b: number };

const solid = (width: number, height: number, background: Rgb = { r: 180, g: 40, b: 60 }) => sharp({ create: { width, height, channels: 3, background } });

/** Raw RGB pixels: left half `left`, right half `right`. */
function halves(width: number, height: number, left: Rgb, right: Rgb) {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = x < width / 2 ? left : right;
      raw.set([c.r, c.g, c.b], (y * width + x) * 3);
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

/** Noise compresses badly, so a cut JPEG/PNG is cut inside its pixel data, not its headers. */
const noise = (width: number, height: number) => sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } });

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A genuine, valid 1-bit greyscale PNG of any size, all black: tiny on disk, huge once decoded. */
function bombPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([1, 0, 0, 0, 0], 8); // bit depth 1, greyscale, deflate, filter 0, no interlace
  const rowBytes = 1 + Math.ceil(width / 8); // filter byte + packed pixels, all zero
  const idat = deflateSync(Buffer.alloc(rowBytes * height), { level: 9 });
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

/** Insert a PNG chunk right after IHDR (signature 8 bytes + IHDR chunk 25 bytes), ahead of the pixel data. */
const withPngChunk = (png: Buffer, chunk: Buffer) => Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]);

/** Insert a JPEG COM (comment) segment right after SOI. */
function withJpegComment(jpeg: Buffer, text: string): Buffer {
  const body = Buffer.from(text, 'latin1');
  const header = Buffer.from([0xff, 0xfe, 0, 0]);
  header.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, body, jpeg.subarray(2)]);
}

/** Tags of IFD0 and of the GPS IFD (0x8825) in an EXIF block as sharp's metadata() returns it. */
function exifTags(exif: Buffer): { ifd0: number[]; gps: number[] } {
  const b = exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? exif.subarray(6) : exif;
  const le = b.toString('latin1', 0, 2) === 'II';
  const u16 = (o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const ifd = (offset: number) => {
    const entries = new Map<number, number>();
    for (let i = 0; i < u16(offset); i++) entries.set(u16(offset + 2 + i * 12), u32(offset + 2 + i * 12 + 8));
    return entries;
  };
  const ifd0 = ifd(u32(4));
  const gpsOffset = ifd0.get(0x8825);
  return { ifd0: [...ifd0.keys()], gps: gpsOffset === undefined ? [] : [...ifd(gpsOffset).keys()] };
}

async function refusal(promise: Promise<unknown>): Promise<Record<string, string>> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  return (err as ValidationError).fieldErrors;
}

async function pixel(jpeg: Buffer, x: number, y: number): Promise<Rgb> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return { r: data[i]!, g: data[i + 1]!, b: data[i + 2]! };
}

const RED = { r: 220, g: 20, b: 20 };
const BLUE = { r: 20, g: 20, b: 220 };
const near = (a: Rgb, b: Rgb, tolerance = 30) => Math.abs(a.r - b.r) <= tolerance && Math.abs(a.g - b.g) <= tolerance && Math.abs(a.b - b.b) <= tolerance;

// ---------------------------------------------------------------------------------------------

describe('processPhotograph: metadata is removed', () => {
  it('strips EXIF (including GPS location), XMP and the ICC profile from a JPEG', async () => {
    const input = await solid(800, 600)
      .jpeg()
      .withExif({
        IFD0: { Make: 'BeaconPhoneMaker', Model: 'BeaconPhone 7', Software: 'BeaconCamera' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '51/1 30/1 1234/100',
          GPSLongitudeRef: 'W',
          GPSLongitude: '0/1 7/1 3981/100',
          GPSMapDatum: 'BEACON-GPS-DATUM',
        },
      })
      .withXmp(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
          '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>BEACON-XMP-CREATOR</dc:creator></rdf:Description>' +
          '</rdf:RDF></x:xmpmeta>',
      )
      .withIccProfile('p3')
      .toBuffer();

    // The input really carries all of it.
    const before = await sharp(input).metadata();
    expect(before.exif).toBeInstanceOf(Buffer);
    const tags = exifTags(before.exif!);
    expect(tags.ifd0).toContain(0x010f); // Make
    expect(tags.ifd0).toContain(0x8825); // pointer to the GPS IFD
    expect(tags.gps).toEqual(expect.arrayContaining([0x0001, 0x0002, 0x0003, 0x0004, 0x0012])); // lat ref, lat, lon ref, lon, datum
    expect(before.xmp).toBeInstanceOf(Buffer);
    expect(before.icc).toBeInstanceOf(Buffer);
    for (const s of ['BeaconPhoneMaker', 'BEACON-GPS-DATUM', 'BEACON-XMP-CREATOR']) expect(input.includes(s)).toBe(true);

    const out = await processPhotograph(input);
    const after = await sharp(out.data).metadata();
    expect(after.format).toBe('jpeg');
    expect(after.exif).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    expect(after.icc).toBeUndefined();
    expect(after.iptc).toBeUndefined();
    expect(after.orientation).toBeUndefined();
    for (const s of ['Exif', 'BeaconPhoneMaker', 'BeaconPhone 7', 'BeaconCamera', 'BEACON-GPS-DATUM', 'BEACON-XMP-CREATOR', 'adobe:ns:meta', 'ICC_PROFILE']) {
      expect(out.data.includes(s), s).toBe(false);
    }
    expect([out.width, out.height]).toEqual([800, 600]);
  });

  it('strips a JPEG comment segment', async () => {
    const input = withJpegComment(await solid(200, 100).jpeg().toBuffer(), 'BEACON-JPEG-COMMENT home address');
    expect(input.includes('BEACON-JPEG-COMMENT')).toBe(true);
    expect((await sharp(input).metadata()).width).toBe(200); // still a valid JPEG

    const out = await processPhotograph(input);
    expect(out.data.includes('BEACON-JPEG-COMMENT')).toBe(false);
    expect(out.data.includes(Buffer.from([0xff, 0xfe]))).toBe(false); // no COM marker at all
  });

  it('strips PNG text chunks, EXIF and XMP', async () => {
    const base = await solid(300, 200)
      .png()
      .withExif({ IFD0: { Make: 'BeaconPngMaker' } })
      .toBuffer();
    const input = withPngChunk(base, pngChunk('tEXt', Buffer.from('Comment\0BEACON-PNG-COMMENT', 'latin1')));
    const before = await sharp(input).metadata();
    expect(before.exif).toBeInstanceOf(Buffer);
    expect(before.comments).toEqual([{ keyword: 'Comment', text: 'BEACON-PNG-COMMENT' }]);

    const out = await processPhotograph(input);
    const after = await sharp(out.data).metadata();
    expect(after.exif).toBeUndefined();
    expect(after.comments).toBeUndefined();
    expect(out.data.includes('BEACON-PNG-COMMENT')).toBe(false);
    expect(out.data.includes('BeaconPngMaker')).toBe(false);
  });
});

describe('processPhotograph: orientation and size', () => {
  it('applies EXIF orientation 6 (rotate 90° clockwise) before the tag is dropped', async () => {
    const input = await halves(400, 200, RED, BLUE).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const before = await sharp(input).metadata();
    expect(before.orientation).toBe(6);
    expect([before.width, before.height]).toEqual([400, 200]);

    const out = await processPhotograph(input);
    expect([out.width, out.height]).toEqual([200, 400]);
    const after = await sharp(out.data).metadata();
    expect([after.width, after.height]).toEqual([200, 400]);
    expect(after.orientation).toBeUndefined();
    // Rotating clockwise puts the left (red) half on top and the right (blue) half at the bottom.
    expect(near(await pixel(out.data, 100, 50), RED)).toBe(true);
    expect(near(await pixel(out.data, 100, 350), BLUE)).toBe(true);
  });

  it('resizes a large PNG to fit within 1600 pixels and re-encodes it as JPEG', async () => {
    const input = await solid(4000, 3000).png().toBuffer();
    expect(sniffImageType(input)).toBe('png');

    const out = await processPhotograph(input);
    expect(out.contentType).toBe('image/jpeg');
    expect([out.width, out.height]).toEqual([1600, 1200]);
    expect(sniffImageType(out.data)).toBe('jpeg');
    const after = await sharp(out.data).metadata();
    expect(after.format).toBe('jpeg');
    expect([after.width, after.height]).toEqual([1600, 1200]);
  });

  it('fits a tall image within a custom maxDimension', async () => {
    const out = await processPhotograph(await solid(1000, 3000).jpeg().toBuffer(), { maxDimension: 500 });
    expect([out.width, out.height]).toEqual([167, 500]);
    const after = await sharp(out.data).metadata();
    expect([after.width, after.height]).toEqual([167, 500]);
  });

  it('does not enlarge a small image', async () => {
    const out = await processPhotograph(await solid(120, 80).png().toBuffer());
    expect([out.width, out.height]).toEqual([120, 80]);
    const after = await sharp(out.data).metadata();
    expect([after.width, after.height, after.format]).toEqual([120, 80, 'jpeg']);
  });

  it('flattens PNG transparency onto white rather than black', async () => {
    const input = await sharp({ create: { width: 50, height: 50, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    expect((await sharp(input).metadata()).hasAlpha).toBe(true);
    const out = await processPhotograph(input);
    expect((await sharp(out.data).metadata()).hasAlpha).toBe(false);
    expect(near(await pixel(out.data, 25, 25), { r: 255, g: 255, b: 255 }, 5)).toBe(true);
  });
});

describe('processPhotograph: the type is decided by content', () => {
  const wrongType = { photo: PHOTOGRAPH_MESSAGES.wrongType };

  it('refuses GIF, WebP, AVIF, TIFF and BMP made by a real encoder', async () => {
    const image = solid(64, 48);
    const heicFtyp = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'), randomBytes(64)]);
    const bmp = Buffer.concat([Buffer.from('BM', 'latin1'), randomBytes(64)]);
    const inputs = {
      gif: await image.clone().gif().toBuffer(),
      webp: await image.clone().webp().toBuffer(),
      avif: await image.clone().avif().toBuffer(),
      tiff: await image.clone().tiff().toBuffer(),
      heic: heicFtyp,
      bmp,
    };
    // sharp itself would happily decode most of these: only the magic-byte check keeps them out.
    expect((await sharp(inputs.gif).metadata()).format).toBe('gif');
    expect((await sharp(inputs.webp).metadata()).format).toBe('webp');
    for (const [name, buf] of Object.entries(inputs)) {
      expect(await refusal(processPhotograph(buf)), name).toEqual(wrongType);
    }
  });

  it('refuses SVG (even with an XML declaration and leading whitespace), PDF and random bytes', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
    const svgBuf = Buffer.from(svg);
    expect((await sharp(svgBuf).metadata()).format).toBe('svg'); // a decodable SVG
    const random = randomBytes(4096);
    random[0] = 0x00; // never a JPEG or PNG signature by chance
    const inputs = {
      svg: svgBuf,
      svgWithDeclaration: Buffer.from(`  \n<?xml version="1.0"?>\n${svg}`),
      pdf: Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n'),
      html: Buffer.from('<!doctype html><img src=x onerror=alert(1)>'),
      random,
    };
    for (const [name, buf] of Object.entries(inputs)) {
      expect(await refusal(processPhotograph(buf)), name).toEqual(wrongType);
    }
  });

  it('refuses an empty upload', async () => {
    expect(await refusal(processPhotograph(Buffer.alloc(0)))).toEqual({ photo: PHOTOGRAPH_MESSAGES.empty });
  });

  it('accepts a PNG whatever it was called or declared as: only its bytes are looked at', async () => {
    // An upload as the HTTP layer sees it: name and declared type are lies; only `data` is passed on.
    const upload = { filename: 'holiday.gif', mimetype: 'application/pdf', data: await solid(90, 60).png().toBuffer() };
    expect(sniffImageType(upload.data)).toBe('png');
    const out = await processPhotograph(upload.data);
    expect(out.contentType).toBe('image/jpeg');
    expect([out.width, out.height]).toEqual([90, 60]);

    // And a GIF called photo.jpg is still a GIF.
    const disguised = { filename: 'photo.jpg', mimetype: 'image/jpeg', data: await solid(90, 60).gif().toBuffer() };
    expect(await refusal(processPhotograph(disguised.data))).toEqual(wrongType);
  });

  it('refuses content whose magic bytes and real format disagree', async () => {
    const gif = await solid(40, 40).gif().toBuffer();
    const pngSignatureThenGif = Buffer.concat([PNG_SIGNATURE, gif]);
    const jpegSignatureThenPng = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), await solid(40, 40).png().toBuffer()]);
    const unreadable = { photo: PHOTOGRAPH_MESSAGES.unreadable };
    expect(await refusal(processPhotograph(pngSignatureThenGif))).toEqual(unreadable);
    expect(await refusal(processPhotograph(jpegSignatureThenPng))).toEqual(unreadable);
  });

  it('names the field it was given', async () => {
    expect(await refusal(processPhotograph(Buffer.from('GIF89a'), {}, 'alertPhoto'))).toEqual({ alertPhoto: PHOTOGRAPH_MESSAGES.wrongType });
  });
});

describe('processPhotograph: corrupt, oversized and bomb inputs', () => {
  const unreadable = { photo: PHOTOGRAPH_MESSAGES.unreadable };

  it('refuses a truncated JPEG', async () => {
    const full = await noise(400, 300).jpeg().toBuffer();
    expect((await processPhotograph(full)).width).toBe(400); // the whole file is fine
    for (const fraction of [0.2, 0.5, 0.95]) {
      const cut = full.subarray(0, Math.floor(full.length * fraction));
      expect(sniffImageType(cut)).toBe('jpeg');
      expect(await refusal(processPhotograph(cut)), `cut at ${fraction}`).toEqual(unreadable);
    }
    expect(await refusal(processPhotograph(full.subarray(0, 3)))).toEqual(unreadable); // signature only
  });

  it('refuses a truncated or corrupted PNG', async () => {
    const full = await noise(200, 200).png().toBuffer();
    expect(await refusal(processPhotograph(full.subarray(0, Math.floor(full.length * 0.6))))).toEqual(unreadable);
    const corrupted = Buffer.from(full);
    corrupted[Math.floor(corrupted.length / 2)]! ^= 0xff; // breaks the IDAT CRC / deflate stream
    expect(await refusal(processPhotograph(corrupted))).toEqual(unreadable);
  });

  it('refuses an oversized upload by its length, before decoding anything', async () => {
    // Starts like a PNG but the rest is junk: had it been decoded, the answer would be "could not be read".
    const junk = Buffer.concat([PNG_SIGNATURE, randomBytes(10 * 1024 * 1024 + 1 - PNG_SIGNATURE.length)]);
    expect(junk.length).toBe(10 * 1024 * 1024 + 1);
    expect(await refusal(processPhotograph(junk))).toEqual({ photo: 'The photograph must be smaller than 10 MB' });
    expect(await refusal(processPhotograph(junk.subarray(0, 3 * 1024 * 1024), { maxBytes: 2 * 1024 * 1024 }))).toEqual({
      photo: 'The photograph must be smaller than 2 MB',
    });
  });

  it('accepts exactly maxBytes and refuses one byte more', async () => {
    const png = await solid(100, 100).png().toBuffer();
    expect((await processPhotograph(png, { maxBytes: png.length })).width).toBe(100);
    expect(await refusal(processPhotograph(png, { maxBytes: png.length - 1 }))).toEqual({
      photo: PHOTOGRAPH_MESSAGES.tooBig(png.length - 1),
    });
  });

  it('refuses a decompression bomb: a small PNG declaring 20000 × 20000 pixels', async () => {
    const bomb = bombPng(20_000, 20_000);
    expect(bomb.length).toBeLessThan(100 * 1024); // tiny upload…
    const meta = await sharp(bomb, { limitInputPixels: false }).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 20_000, 20_000]); // …that is a real 400-megapixel PNG
    expect(await refusal(processPhotograph(bomb))).toEqual({ photo: PHOTOGRAPH_MESSAGES.tooManyPixels });
  });

  it('lets the pixel limit be lowered, and a bomb PNG under the limit is a valid image', async () => {
    const png = bombPng(1000, 1000);
    const out = await processPhotograph(png);
    expect([out.width, out.height]).toEqual([1000, 1000]);
    expect(await refusal(processPhotograph(png, { maxPixels: 999_999 }))).toEqual({ photo: PHOTOGRAPH_MESSAGES.tooManyPixels });
  });
});

describe('sealPhotograph / openPhotograph', () => {
  const key = randomBytes(32);

  it('round-trips, with a fresh nonce each time', async () => {
    const { data } = await processPhotograph(await solid(64, 64).jpeg().toBuffer());
    const sealed = sealPhotograph(key, 'photo-1', data);
    expect(sealed.includes(data.subarray(0, 64))).toBe(false); // not stored in the clear
    expect(openPhotograph(key, 'photo-1', sealed).equals(data)).toBe(true);
    expect(sealPhotograph(key, 'photo-1', data).equals(sealed)).toBe(false);
  });

  it('does not open under another photo id (a blob copied to another row)', () => {
    const sealed = sealPhotograph(key, 'photo-1', Buffer.from('jpeg bytes'));
    expect(() => openPhotograph(key, 'photo-2', sealed)).toThrow();
    expect(() => openPhotograph(key, '', sealed)).toThrow();
  });

  it('does not open if any byte was tampered with, or with another key', () => {
    const data = Buffer.from('jpeg bytes, long enough to tamper with');
    const sealed = sealPhotograph(key, 'photo-1', data);
    for (const i of [1, 13, 29, sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[i]! ^= 0x01;
      expect(() => openPhotograph(key, 'photo-1', tampered), `byte ${i}`).toThrow();
    }
    expect(() => openPhotograph(randomBytes(32), 'photo-1', sealed)).toThrow();
  });
});
