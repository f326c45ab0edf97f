import { describe, expect, it } from 'vitest';
import { actionRag, completionProblem, qaProblem, recommendationProgress, signOffProblem } from './rules';

const today = '2026-06-15';
const action = (o: Partial<Parameters<typeof actionRag>[0]> = {}) => ({
  status: 'in_progress',
  currentDueOn: '2026-12-31',
  evidenceCount: 0,
  revisions: 0,
  ...o,
});

describe('an action’s RAG comes from its dates and evidence, not a tick', () => {
  it('is complete only with evidence', () => {
    expect(actionRag(action({ status: 'complete', evidenceCount: 2 }), today)).toEqual({ rag: 'complete', reason: 'Complete, with 2 pieces of evidence' });
    // A "complete" status with no evidence is judged by its dates like any other.
    expect(actionRag(action({ status: 'complete', currentDueOn: '2026-06-01' }), today).rag).toBe('red');
    expect(completionProblem(0)).toMatch(/Add evidence/);
    expect(completionProblem(1)).toBeNull();
  });

  it('is red the day after its due date, whatever its status says', () => {
    expect(actionRag(action({ currentDueOn: '2026-06-15' }), today)).toEqual({ rag: 'amber', reason: 'Due today, with no evidence yet' });
    expect(actionRag(action({ currentDueOn: '2026-06-14' }), today)).toEqual({ rag: 'red', reason: 'Overdue by 1 day' });
    expect(actionRag(action({ currentDueOn: '2026-05-16', evidenceCount: 3 }), today)).toEqual({ rag: 'red', reason: 'Overdue by 30 days' });
  });

  it('is amber when due within 30 days with no evidence, or put back twice', () => {
    expect(actionRag(action({ currentDueOn: '2026-07-15' }), today)).toEqual({ rag: 'amber', reason: 'Due in 30 days, with no evidence yet' });
    expect(actionRag(action({ currentDueOn: '2026-07-16' }), today).rag).toBe('green');
    expect(actionRag(action({ currentDueOn: '2026-07-15', evidenceCount: 1 }), today).rag).toBe('green');
    expect(actionRag(action({ revisions: 1 }), today).rag).toBe('green');
    expect(actionRag(action({ revisions: 2 }), today)).toEqual({ rag: 'amber', reason: 'Due date put back 2 times' });
  });

  it('says how long is left and what evidence there is when on track', () => {
    expect(actionRag(action({ currentDueOn: '2026-08-14', evidenceCount: 1 }), today)).toEqual({
      rag: 'green',
      reason: 'On track: due in 60 days, 1 piece of evidence so far',
    });
    expect(actionRag(action({ status: 'withdrawn', currentDueOn: '2020-01-01' }), today).rag).toBe('withdrawn');
  });
});

describe('a recommendation’s progress', () => {
  const none = { qaAt: null, signedOffAt: null };
  it('with no action is amber and cannot be quality-assured', () => {
    const p = recommendationProgress([], none);
    expect(p).toMatchObject({ stage: 'open', rag: 'amber', reason: 'No action recorded yet', actions: 0 });
    expect(qaProblem(p, none)).toMatch(/at least one action/);
    expect(recommendationProgress(['withdrawn'], none).actions).toBe(0);
  });

  it('is the worst of its actions, with counts', () => {
    const p = recommendationProgress(['complete', 'red', 'amber', 'withdrawn'], none);
    expect(p).toMatchObject({ stage: 'open', rag: 'red', reason: '1 of 3 actions complete, 1 overdue', actions: 3, complete: 1, overdue: 1 });
    expect(qaProblem(p, none)).toMatch(/Every action must be complete/);
    expect(recommendationProgress(['complete', 'green'], none).rag).toBe('green');
  });

  it('goes complete → subgroup QA → board sign-off, in that order', () => {
    const done = recommendationProgress(['complete', 'complete', 'withdrawn'], none);
    expect(done).toMatchObject({ stage: 'awaiting_qa', rag: 'complete', reason: 'All 2 actions complete with evidence' });
    expect(qaProblem(done, none)).toBeNull();
    expect(signOffProblem(done, none)).toMatch(/subgroup must quality-assure/);
    const qa = { qaAt: new Date(), signedOffAt: null };
    expect(recommendationProgress(['complete'], qa).stage).toBe('awaiting_board');
    expect(qaProblem(done, qa)).toMatch(/already/);
    expect(signOffProblem(done, qa)).toBeNull();
    // An action reopened after QA blocks the board until it is complete again.
    expect(signOffProblem(recommendationProgress(['complete', 'green'], qa), qa)).toMatch(/reopened/);
    const signed = { qaAt: new Date(), signedOffAt: new Date() };
    expect(recommendationProgress(['complete'], signed).stage).toBe('signed_off');
    expect(signOffProblem(done, signed)).toMatch(/already/);
  });
});
