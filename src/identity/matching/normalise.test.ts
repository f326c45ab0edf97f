import { describe, expect, it } from 'vitest';
import { areNicknameEquivalent, nicknameGroupName, nicknameGroups, NICKNAME_GROUPS } from './nicknames';
import { dayNumber, foldText, normaliseFamilyName, normaliseGivenName, normaliseNameList, normalisePostcode, parseDate, parsePostcode } from './normalise';
import { phoneticKeys, soundsAlike } from './phonetic';

describe('name normalisation', () => {
  it('lower-cases and strips diacritics', () => {
    expect(normaliseGivenName('Siân')).toEqual(['sian']);
    expect(normaliseGivenName('ZOË')).toEqual(['zoe']);
    expect(normaliseFamilyName('Wiśniewska')).toEqual(['wisniewska']);
    expect(normaliseFamilyName('Łukasik')).toEqual(['lukasik']);
    expect(foldText('Ørsted Æbelø')).toBe('orsted aebelo');
  });

  it('removes titles and punctuation', () => {
    expect(normaliseGivenName('Mrs. Jane')).toEqual(['jane']);
    expect(normaliseGivenName('Dr Amina')).toEqual(['amina']);
    expect(normaliseGivenName('Miss  Kelly-Marie')).toEqual(['kelly', 'marie']);
    expect(normaliseFamilyName('Smith (née Jones)')).toEqual(['smith', 'jones']);
  });

  it('splits hyphenated and double-barrelled names into tokens', () => {
    expect(normaliseFamilyName('Smith-Jones')).toEqual(['smith', 'jones']);
    expect(normaliseFamilyName('Hampton Lewis')).toEqual(['hampton', 'lewis']);
    expect(normaliseGivenName('Mary-Jane')).toEqual(['mary', 'jane']);
  });

  it("joins apostrophes and surname particles: O'Brien, D'Souza, Mc Donald, van der Berg", () => {
    expect(normaliseFamilyName("O'Brien")).toEqual(['obrien']);
    expect(normaliseFamilyName('O’Brien')).toEqual(['obrien']);
    expect(normaliseFamilyName('O Brien')).toEqual(['obrien']);
    expect(normaliseFamilyName("D'Souza")).toEqual(['dsouza']);
    expect(normaliseFamilyName('Mc Donald')).toEqual(['mcdonald']);
    expect(normaliseFamilyName('van der Berg')).toEqual(['vanderberg']);
  });

  it('returns nothing for empty or junk input, and de-duplicates lists', () => {
    expect(normaliseGivenName('')).toEqual([]);
    expect(normaliseGivenName(undefined)).toEqual([]);
    expect(normaliseGivenName('  --  ')).toEqual([]);
    expect(normaliseGivenName('Mr')).toEqual([]);
    expect(normaliseNameList(['Jane', 'jane', 'Jane-Anne'], 'given')).toEqual(['jane', 'anne']);
  });
});

describe('nickname table', () => {
  it('treats diminutives and spelling variants as equivalent', () => {
    const pairs: [string, string][] = [
      ['beth', 'elizabeth'],
      ['liz', 'lizzie'],
      ['betty', 'eliza'],
      ['bess', 'elizabeth'],
      ['kate', 'katherine'],
      ['katie', 'catherine'],
      ['kathy', 'kathryn'],
      ['jen', 'jennifer'],
      ['jenny', 'jennifer'],
      ['sam', 'samantha'],
      ['becky', 'rebecca'],
      ['mandy', 'amanda'],
      ['mags', 'margaret'],
      ['maggie', 'margaret'],
      ['sue', 'susan'],
      ['vicky', 'victoria'],
      ['chris', 'christine'],
      ['chris', 'christina'],
      ['jo', 'joanne'],
      ['jo', 'joanna'],
      ['nicky', 'nicola'],
      ['steph', 'stephanie'],
      ['abby', 'abigail'],
      ['ellie', 'eleanor'],
      ['ellie', 'ella'],
    ];
    for (const [a, b] of pairs) {
      expect(areNicknameEquivalent(a, b), `${a} ~ ${b}`).toBe(true);
      expect(areNicknameEquivalent(b, a), `${b} ~ ${a}`).toBe(true);
    }
  });

  it('does not link unrelated names, and identical names are not "nicknames"', () => {
    expect(areNicknameEquivalent('beth', 'sarah')).toBe(false);
    expect(areNicknameEquivalent('kate', 'jennifer')).toBe(false);
    expect(areNicknameEquivalent('emma', 'emma')).toBe(false);
    expect(areNicknameEquivalent('zxq', 'elizabeth')).toBe(false);
  });

  it('is a good-sized table whose group heads are normalised names', () => {
    expect(NICKNAME_GROUPS.length).toBeGreaterThan(150);
    const g = nicknameGroups('liz');
    expect(g.length).toBeGreaterThan(0);
    expect(g.map(nicknameGroupName)).toContain('elizabeth');
    for (const group of NICKNAME_GROUPS) expect(group[0]).toMatch(/^[a-z]+$/);
  });
});

describe('phonetic keys', () => {
  it('gives double metaphone primary and secondary codes', () => {
    expect(phoneticKeys('smith')).toEqual({ primary: 'SM0', secondary: 'XMT' });
    expect(phoneticKeys('stephens').primary).toBe(phoneticKeys('stevens').primary);
    expect(phoneticKeys('')).toEqual({ primary: '', secondary: '' });
  });

  it('says names sound alike when any code matches', () => {
    expect(soundsAlike('smith', 'smyth')).toBe(true);
    expect(soundsAlike('schmidt', 'smith')).toBe(true);
    expect(soundsAlike('thomson', 'tomson')).toBe(true);
    expect(soundsAlike('catherine', 'kathryn')).toBe(true);
    expect(soundsAlike('smith', 'jones')).toBe(false);
    expect(soundsAlike('', 'jones')).toBe(false);
  });
});

describe('dates', () => {
  it('parses YYYY-MM-DD, YYYYMMDD and DD/MM/YYYY to the same digits', () => {
    for (const s of ['1990-03-04', '19900304', '04/03/1990', '4/3/1990', '04-03-1990', '04.03.1990']) {
      const d = parseDate(s);
      expect(d, s).not.toBeNull();
      expect(d?.digits).toBe('19900304');
      expect(d?.valid).toBe(true);
      expect([d?.year, d?.month, d?.day]).toEqual([1990, 3, 4]);
    }
  });

  it('keeps the digits of an impossible date but flags it', () => {
    const d = parseDate('1990-02-31');
    expect(d?.digits).toBe('19900231');
    expect(d?.valid).toBe(false);
    expect(parseDate('19901301')?.valid).toBe(false);
  });

  it('rejects other shapes', () => {
    for (const s of ['', '1990', '90-03-04', 'next tuesday', '1990/03/04x', undefined, null]) expect(parseDate(s)).toBeNull();
  });

  it('gives day numbers for valid dates only', () => {
    expect(dayNumber('1970-01-02')).toBe(1);
    expect((dayNumber('2026-12-25') ?? 0) - (dayNumber('2026-12-11') ?? 0)).toBe(14);
    expect(dayNumber('2026-02-30')).toBeNull();
  });
});

describe('postcodes', () => {
  it('splits a UK postcode into area, district, sector and full', () => {
    expect(parsePostcode('so16 4xx')).toEqual({ kind: 'uk', full: 'SO16 4XX', sector: 'SO16 4', district: 'SO16', area: 'SO' });
    expect(parsePostcode('SO164XX')).toEqual(parsePostcode(' so16  4xx '));
    expect(parsePostcode('PO1 2AB')?.district).toBe('PO1');
    expect(parsePostcode('EC1A 1BB')).toEqual({ kind: 'uk', full: 'EC1A 1BB', sector: 'EC1A 1', district: 'EC1A', area: 'EC' });
    expect(parsePostcode('M1 1AE')?.area).toBe('M');
    expect(normalisePostcode('so16 4xx')).toBe('SO16 4XX');
  });

  it('understands partial UK postcodes', () => {
    expect(parsePostcode('SO16')).toEqual({ kind: 'uk', district: 'SO16', area: 'SO' });
    expect(parsePostcode('SO16 4')).toEqual({ kind: 'uk', sector: 'SO16 4', district: 'SO16', area: 'SO' });
  });

  it("treats FEBRL's four-digit codes as opaque, with 3- and 2-digit prefixes as coarser levels", () => {
    expect(parsePostcode('4223')).toEqual({ kind: 'numeric', full: '4223', sector: '422', district: '42' });
  });

  it('keeps anything else as an opaque code and ignores empty input', () => {
    expect(parsePostcode('75011 Paris')).toEqual({ kind: 'other', full: '75011PARIS' });
    expect(parsePostcode('')).toBeNull();
    expect(parsePostcode(undefined)).toBeNull();
  });
});
