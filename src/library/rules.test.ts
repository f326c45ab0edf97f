import { describe, expect, it } from 'vitest';
import {
  diffCounts,
  markAnswers,
  markdownBlocks,
  nextVersionNumber,
  outstandingAfterDays,
  percent,
  renderMarkdown,
  reviewDueOn,
  reviewReminderDue,
  reviewStage,
  transitionProblem,
  versionDiff,
} from './rules';

describe('renderMarkdown', () => {
  it('renders headings, lists, emphasis and links', () => {
    const html = renderMarkdown('# Purpose\n\nRead **this**.\n\n- one\n- two\n\n[Guide](https://example.org/a)');
    expect(html).toContain('<h2>Purpose</h2>');
    expect(html).toContain('<strong>this</strong>');
    expect(html).toContain('<li>one</li>');
    expect(html).toContain('<a href="https://example.org/a" rel="noopener noreferrer">Guide</a>');
  });

  it('keeps HTML and script as text, never as markup', () => {
    const html = renderMarkdown('Hello <script>alert(1)</script> <img src=x onerror=alert(2)> <b>bold</b>');
    expect(html).not.toMatch(/<script|<img|<b>/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('drops javascript: and data: links', () => {
    const html = renderMarkdown('[click](javascript:alert(1)) [data](data:text/html;base64,xx)');
    expect(html).not.toMatch(/href="(javascript|data):/i);
    expect(html).not.toContain('<a');
  });

  it('gives the blocks of a body for the PDF', () => {
    expect(markdownBlocks('# Title\n\nA *para*\ngraph.\n\n- item one')).toEqual([
      { kind: 'heading', text: 'Title' },
      { kind: 'paragraph', text: 'A para graph.' },
      { kind: 'item', text: 'item one' },
    ]);
  });
});

describe('versionDiff', () => {
  it('marks words added and removed', () => {
    const parts = versionDiff('Call the duty social worker today.', 'Call the duty social worker within one hour.');
    expect(parts.filter((p) => p.kind === 'removed').map((p) => p.text.trim())).toEqual(['today']);
    expect(parts.filter((p) => p.kind === 'added').map((p) => p.text.trim())).toEqual(['within one hour']);
    expect(diffCounts(parts)).toEqual({ added: 3, removed: 1 });
  });
  it('an unchanged text is all the same', () => {
    expect(versionDiff('a b', 'a b')).toEqual([{ kind: 'same', text: 'a b' }]);
  });
});

describe('version numbers and lifecycle', () => {
  it('numbers versions', () => {
    expect(nextVersionNumber(null, 'minor')).toEqual({ major: 1, minor: 0 });
    expect(nextVersionNumber({ major: 1, minor: 2 }, 'minor')).toEqual({ major: 1, minor: 3 });
    expect(nextVersionNumber({ major: 1, minor: 2 }, 'major')).toEqual({ major: 2, minor: 0 });
  });
  it('allows only the lifecycle steps', () => {
    expect(transitionProblem('draft', 'in_review')).toBeNull();
    expect(transitionProblem('in_review', 'approved')).toBeNull();
    expect(transitionProblem('approved', 'published')).toBeNull();
    expect(transitionProblem('published', 'superseded')).toBeNull();
    expect(transitionProblem('draft', 'published')).toMatch(/has not been approved/);
    expect(transitionProblem('in_review', 'published')).toMatch(/has not been approved/);
    expect(transitionProblem('draft', 'approved')).toMatch(/Send this version for review/);
    expect(transitionProblem('withdrawn', 'published')).toMatch(/withdrawn/);
    expect(transitionProblem('published', 'draft')).toMatch(/Start a new version/);
  });
});

describe('review dates', () => {
  it('adds months, keeping to the end of a short month', () => {
    expect(reviewDueOn('2026-03-15', 12)).toBe('2027-03-15');
    expect(reviewDueOn('2026-08-31', 6)).toBe('2027-02-28');
    expect(reviewDueOn('2026-11-30', 3)).toBe('2027-02-28');
  });
  it('reminds the owner 60 and 14 days before and when it passes, once each', () => {
    expect(reviewReminderDue('2027-03-15', '2027-01-01', [])).toBeNull();
    expect(reviewReminderDue('2027-03-15', '2027-01-14', [])).toBe(60);
    expect(reviewReminderDue('2027-03-15', '2027-01-14', [60])).toBeNull();
    expect(reviewReminderDue('2027-03-15', '2027-03-01', [60])).toBe(14);
    expect(reviewReminderDue('2027-03-15', '2027-03-16', [60, 14])).toBe(0);
    // Missed stages are not sent late one after another: only the latest.
    expect(reviewReminderDue('2027-03-15', '2027-04-01', [])).toBe(0);
  });
  it('places a version against its review date', () => {
    expect(reviewStage(null, '2026-01-01')).toBe('none');
    expect(reviewStage('2026-06-01', '2026-01-01')).toBe('ok');
    expect(reviewStage('2026-02-01', '2026-01-01')).toBe('due_soon');
    expect(reviewStage('2026-01-01', '2026-01-02')).toBe('overdue');
  });
});

describe('the outstanding list', () => {
  it('puts them on the lead list a week after the last reminder', () => {
    expect(outstandingAfterDays([7, 14])).toBe(21);
    expect(outstandingAfterDays([3])).toBe(10);
    expect(outstandingAfterDays([])).toBe(21);
  });
});

describe('knowledge check', () => {
  const qs = [
    { text: 'Q1', options: ['a', 'b'], correct: 1 },
    { text: 'Q2', options: ['a', 'b', 'c'], correct: 0 },
  ];
  it('marks the answers', () => {
    expect(markAnswers(qs, [1, 0])).toEqual({ correct: 2 });
    expect(markAnswers(qs, [0, 0])).toEqual({ correct: 1 });
    expect(markAnswers([], [])).toEqual({ correct: 0 });
  });
  it('names each question not answered', () => {
    expect(markAnswers(qs, [1])).toEqual({ problems: { answer2: 'Answer question 2: Q2' } });
    expect(markAnswers(qs, [5, 0])).toEqual({ problems: { answer1: 'Answer question 1: Q1' } });
  });
  it('gives shares as whole percentages', () => {
    expect(percent(1, 3)).toBe(33);
    expect(percent(0, 0)).toBeNull();
  });
});
