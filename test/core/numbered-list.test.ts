// Lists written as numbered plain text (the seed's change template writes rollback_steps so) are read as their items.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { listFromNumberedText, numberedItems } from '../../lambdas/core/numbered-list';
import { assessRisk } from '../../lambdas/core/risk';
import { parseChangeRequest } from '../../lambdas/core/schemas';
import { ValidationError } from '../../lambdas/core/errors';

const TEMPLATE = readFileSync(join(__dirname, '..', 'fixtures', 'seed', 'change_plan_template.yml'), 'utf8');

describe('numberedItems', () => {
  it('should read the plain scalar YAML makes of numbered lines as its items, without the quotes', () => {
    // Prepare: YAML folds the seed's numbered lines into one string.
    const folded = parse('steps:\n  1. "트래픽 차단"\n  2. "이전 모델 파일 복원"\n  3. "서비스 재시작"\n') as { steps: unknown };

    // Act
    const items = numberedItems(folded.steps as string);

    // Assess
    expect(folded.steps).toBe('1. "트래픽 차단" 2. "이전 모델 파일 복원" 3. "서비스 재시작"');
    expect(items).toEqual(['트래픽 차단', '이전 모델 파일 복원', '서비스 재시작']);
  });

  it('should read a block scalar and "1)" markers, keeping a number out of sequence in the item', () => {
    expect(numberedItems('1) stop the service\n2) wait below 5. minutes\n3) start it\n')).toEqual(['stop the service', 'wait below 5. minutes', 'start it']);
  });

  it('should leave text that is not a numbered list alone', () => {
    expect(numberedItems('restore the previous model')).toBeUndefined();
    expect(numberedItems('see 1. below')).toBeUndefined();
    expect(numberedItems('2. starts at two')).toBeUndefined();
    expect(numberedItems('1. ')).toBeUndefined();
  });
});

describe('numberedItems, edges', () => {
  it('should take off only quotes that wrap a whole item, double or single, and the white space inside them', () => {
    // Act
    const items = numberedItems(`1. say "hi" 2. "stop" then start 3. 'restore the model' 4. 'db' and cache 5. it's 'done' 6. "  padded  "`);

    // Assess
    expect(items).toEqual(['say "hi"', '"stop" then start', 'restore the model', "'db' and cache", "it's 'done'", 'padded']);
  });

  it('should read a list that starts after blank lines or indentation', () => {
    // Act + Assess
    expect(numberedItems('\n1. stop\n2. start')).toEqual(['stop', 'start']);
    expect(numberedItems('   1. stop 2. start')).toEqual(['stop', 'start']);
  });

  it('should not read a list with an empty item, even when the other items have text', () => {
    // Act + Assess
    expect(numberedItems('1. stop 2. ""')).toBeUndefined();
    expect(numberedItems('1. "" 2. start')).toBeUndefined();
  });
});

describe('listFromNumberedText', () => {
  it('should turn a numbered plain-text string into its items', () => {
    // Act + Assess
    expect(listFromNumberedText('1. stop 2. start')).toEqual(['stop', 'start']);
  });

  it('should leave any other value as it is, for the schema to judge', () => {
    // Arrange
    const list = ['1. stop'];

    // Act + Assess
    expect(listFromNumberedText('restore the old model')).toBe('restore the old model');
    expect(listFromNumberedText('')).toBe('');
    expect(listFromNumberedText(list)).toBe(list);
    expect(listFromNumberedText(3)).toBe(3);
    expect(listFromNumberedText(undefined)).toBeUndefined();
  });
});

describe("the seed's change_plan_template.yml, copied verbatim", () => {
  it('should be accepted, its numbered rollback_steps read as five items and its impact words mapped', () => {
    // Act
    const request = parseChangeRequest(TEMPLATE);

    // Assess
    expect(request.change_request.id).toBe('CR-2025-001');
    expect(request.rollback_plan.rollback_steps).toEqual(['트래픽 차단', '이전 모델 파일 복원', '서비스 재시작', '테스트 실행', '트래픽 복구']);
    expect(request.rollback_plan.trigger_conditions).toEqual(['API 응답 시간 > 5초', '에러율 > 1%', 'AI 예측 정확도 < 90%']);
    expect(request.risks_and_mitigations.map((r) => r.impact)).toEqual(['major', 'moderate']);
    expect(assessRisk(request)).toMatchObject({ score: 9, level: 'MEDIUM' });
  });

  it('should still refuse a rollback_steps string that is not a numbered list, naming the field', () => {
    // Prepare
    const broken = TEMPLATE.replace(/rollback_steps:\n(\s+\d\. .*\n)+/, 'rollback_steps: "restore the old model"\n');

    // Act
    const parsing = () => parseChangeRequest(broken);

    // Assess
    expect(broken).not.toBe(TEMPLATE);
    expect(parsing).toThrow(ValidationError);
    expect(parsing).toThrow(/rollback_plan\.rollback_steps/);
  });
});
