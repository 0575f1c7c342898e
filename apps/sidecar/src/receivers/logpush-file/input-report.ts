// What a pass over one file says about its input as a whole, beyond its lines: a file none of whose lines could
// be read (binary, another format, CSV without field_names) is reported once, by name, with the first reason
// (its lines themselves are in the dead-letter store, so the file is never "done" silently); lines holding bytes
// that are not UTF-8 are counted.
import type { Counter, CreateSettings } from '@logpush-otel/pipeline';
import type { ParseSummary } from '@logpush-otel/parser';
import { RECEIVER_METRICS } from '../../service/metric-names.ts';

/** The receiver's input metrics (registered when the receiver is created, so /metrics lists them from the start). */
export function inputMetrics(settings: CreateSettings): { invalidUtf8Lines: Counter } {
  return {
    invalidUtf8Lines: settings.metrics.counter(
      RECEIVER_METRICS.invalidUtf8Lines,
      'Lines holding bytes that are not UTF-8 (read with U+FFFD in their place).',
      ['receiver'],
    ),
  };
}

/** Reports the pass over `file` from its start (`fromStart`), given its parse summary and first rejection reason. */
export function reportInput(
  settings: CreateSettings,
  component: string,
  file: string,
  fromStart: boolean,
  summary: ParseSummary,
  firstReason: string | undefined,
): void {
  if (summary.invalidUtf8Lines > 0) {
    inputMetrics(settings).invalidUtf8Lines.inc(summary.invalidUtf8Lines, { receiver: settings.id });
  }
  if (fromStart && summary.ok === 0 && summary.failed > 0) {
    settings.logger.warn(`not Logpush text: ${firstReason ?? 'no line could be read'}`, {
      component,
      file,
      linesRejected: summary.failed,
      note: 'every line of the file is in the dead-letter store',
    });
  }
}
