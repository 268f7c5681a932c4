// The Logger port over Powertools for AWS Lambda: structured JSON lines in CloudWatch Logs, with the service name
// and log level taken from POWERTOOLS_SERVICE_NAME / POWERTOOLS_LOG_LEVEL like every Powertools utility.
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { Logger } from '../../ports';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export class PowertoolsLoggerAdapter implements Logger {
  readonly powertools: PowertoolsLogger;

  constructor(options: { serviceName?: string; logLevel?: LogLevel; logger?: PowertoolsLogger } = {}) {
    this.powertools = options.logger ?? new PowertoolsLogger({
      ...(options.serviceName ? { serviceName: options.serviceName } : {}),
      ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    });
  }

  info(message: string, data?: Record<string, unknown>): void {
    if (data) this.powertools.info(message, data);
    else this.powertools.info(message);
  }

  warn(message: string, data?: Record<string, unknown>): void {
    if (data) this.powertools.warn(message, data);
    else this.powertools.warn(message);
  }

  error(message: string, data?: Record<string, unknown>): void {
    if (data) this.powertools.error(message, data);
    else this.powertools.error(message);
  }

  /** Adds the request id, function name and cold-start flag to every line of this invocation. */
  addContext(context: Context): void {
    this.powertools.addContext(context);
  }
}
