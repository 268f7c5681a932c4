// The Logger port over Powertools: messages and their data reach Powertools' structured logger unchanged.
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { PowertoolsLoggerAdapter } from '../../../lambdas/adapters/aws/logger';

describe('PowertoolsLoggerAdapter', () => {
  it('should pass each message, with its data when there is some, to the same Powertools level', () => {
    // Prepare
    const powertools = new PowertoolsLogger({ serviceName: 'runbook-test' });
    const info = jest.spyOn(powertools, 'info').mockImplementation(() => undefined);
    const warn = jest.spyOn(powertools, 'warn').mockImplementation(() => undefined);
    const error = jest.spyOn(powertools, 'error').mockImplementation(() => undefined);
    const log = new PowertoolsLoggerAdapter({ logger: powertools });

    // Act
    log.info('change submitted', { changeId: 'CR-2025-001' });
    log.warn('slow host');
    log.error('notification: SNS publish failed', { error: 'ThrottledException' });

    // Assess
    expect(info).toHaveBeenCalledWith('change submitted', { changeId: 'CR-2025-001' });
    expect(warn).toHaveBeenCalledWith('slow host');
    expect(error).toHaveBeenCalledWith('notification: SNS publish failed', { error: 'ThrottledException' });
  });

  it('should write JSON lines with the service name and level it was built with', () => {
    // Prepare
    const lines: string[] = [];
    const capture = (chunk: string | Uint8Array): boolean => { lines.push(String(chunk)); return true; };
    // Powertools writes WARN and ERROR through console.warn/error, that is to stderr.
    const writes = [jest.spyOn(process.stdout, 'write').mockImplementation(capture), jest.spyOn(process.stderr, 'write').mockImplementation(capture)];
    const log = new PowertoolsLoggerAdapter({ serviceName: 'runbook-test', logLevel: 'WARN' });

    // Act
    try {
      log.info('dropped below WARN');
      log.warn('kept', { changeId: 'CR-2025-001' });
    } finally {
      for (const write of writes) write.mockRestore();
    }

    // Assess
    const records = lines.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toEqual([expect.objectContaining({ level: 'WARN', message: 'kept', service: 'runbook-test', changeId: 'CR-2025-001' })]);
  });
});
