// The stand-in for the yaml package in the Lambda bundles that read JSON only (lib/bundling.ts).
import { Document, parse } from '../../../lambdas/aws/stand-ins/json-only-yaml';
import { parseDocumentText } from '../../../lambdas/core/schemas';

describe('json-only yaml stand-in', () => {
  it('should parse JSON as the yaml package would', () => {
    // Act
    const value = parse('{"schemaVersion":"2.2","mainSteps":[{"name":"x"}]}');

    // Assess
    expect(value).toEqual({ schemaVersion: '2.2', mainSteps: [{ name: 'x' }] });
  });

  it('should refuse YAML, saying why this function reads JSON only', () => {
    // Act
    const parsing = () => parse('name: kis-core-v3\nsystem: KIS\n');

    // Assess
    expect(parsing).toThrow(/this Lambda function reads JSON only: the stack writes its profile parameter and bundled documents as JSON/);
  });

  it('should refuse to print YAML outside the api function', () => {
    // Assess
    expect(() => new Document({ a: 1 })).toThrow(/YAML output is built in the api function only/);
  });

  it('should give the real parser the same answer on the JSON the stack writes', () => {
    // Prepare
    const text = JSON.stringify({ name: 'kis-core-v3', thresholds: { cpu: 80 }, list: [1, 'two', null, true] });

    // Assess
    expect(parse(text)).toEqual(parseDocumentText(text, 'profile'));
  });
});
