import { describe, expect, it } from 'vitest';
import { cleanBody, hasForbiddenControls, stripBidiControls } from './text';

describe('text coming in', () => {
  it('finds NUL and other control characters, but allows tabs and new lines', () => {
    expect(hasForbiddenControls('Marisol\u0000')).toBe(true);
    expect(hasForbiddenControls('a\u001Bb')).toBe(true);
    expect(hasForbiddenControls('line one\nline two\r\n\tindented')).toBe(false);
  });

  it('removes bidirectional overrides that could spoof a name in a list', () => {
    expect(stripBidiControls('Jane \u202Ehtims\u202C')).toBe('Jane htims');
    expect(stripBidiControls('\u2067Quennell\u2069')).toBe('Quennell');
  });

  it('walks a body: names the first bad field, and strips bidi controls everywhere else', () => {
    const body = { givenName: '\u202EJane', facts: [{ value: { given: 'Ok' } }, { value: { family: 'Bad\u0000' } }] };
    expect(cleanBody(body).path).toEqual(['facts', '1', 'value', 'family']);
    const good = { givenName: '\u202EJane', list: ['\u2066x\u2069'] };
    expect(cleanBody(good)).toEqual({ path: null, cleaned: { givenName: 'Jane', list: ['x'] } });
    const file = Buffer.from([0, 1, 2]);
    expect(cleanBody({ file }).path).toBeNull();
  });
});
