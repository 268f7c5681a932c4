// Custom metrics on the embedded engine: one JSON line per datapoint (AWS publishes the same as EMF).
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock, MetricsPublisher } from '../../ports';

export class FileMetricsPublisher implements MetricsPublisher {
  readonly published: { name: string; value: number; unit: string; dimensions: Record<string, string>; at: string }[] = [];

  constructor(private readonly file: string | undefined, private readonly clock: Clock) {
    if (file) mkdirSync(dirname(file), { recursive: true });
  }

  async publish(name: string, value: number, unit: 'Count' | 'Milliseconds', dimensions: Record<string, string>): Promise<void> {
    const datapoint = { name, value, unit, dimensions, at: this.clock.now().toISOString() };
    this.published.push(datapoint);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(datapoint)}\n`);
  }
}
