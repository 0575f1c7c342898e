// Handing one unit of the `logpush_s3` receiver on: records to the pipeline, rejected lines to the dead-letter
// store, both at once. A PermanentError from the pipeline turns the records it names into dead letters (the
// unit then counts as handled); any other rejection means "not delivered".
import { isPermanentError } from '@logpush-otel/pipeline';
import type { Consumer, DeadLetterStore } from '@logpush-otel/pipeline';
import { refusedLetters } from '../../log-entry.ts';
import type { Unit } from './object-pass.ts';

/** Delivers `unit`; resolves with the number of records dead-lettered because of a PermanentError. */
export async function deliverUnit(
  next: Consumer,
  deadLetters: DeadLetterStore,
  component: string,
  unit: Unit,
): Promise<number> {
  const letters = unit.letters.length > 0 ? deadLetters.write(unit.letters) : undefined;
  const consumed = unit.entries.length > 0 ? consume(next, deadLetters, component, unit) : 0;
  const [a, b] = await Promise.allSettled([letters, consumed]);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return b.value;
}

async function consume(
  next: Consumer,
  deadLetters: DeadLetterStore,
  component: string,
  unit: Unit,
): Promise<number> {
  try {
    await next.consume({ entries: unit.entries });
    return 0;
  } catch (error) {
    if (!isPermanentError(error)) throw error;
    const letters = refusedLetters(error, unit.entries, component);
    await deadLetters.write(letters);
    return letters.length;
  }
}
