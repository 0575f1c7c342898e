// The mapping is a fixed stage of every pipeline: processors that work on raw records run before it, and only
// processors that leave records alone (batch) may run after it.
import type { ProcessorFactory, ProcessorStage } from './component.ts';
import type { ConfigIssue } from './errors.ts';

/** The stage of a processor factory (`record` unless it says otherwise). */
export function stageOf(factory: Pick<ProcessorFactory, 'stage'> | undefined): ProcessorStage {
  return factory?.stage ?? 'record';
}

/**
 * Checks the order of one pipeline's processors (the list as written, so that paths carry its indices): at most
 * one mapping processor, and no `record` processor after it. `factoryOf` gives the factory of an id (undefined
 * for ids already reported as invalid). Issues name both processors and sit at the offending list item.
 */
export function checkProcessorStages(
  ids: readonly unknown[],
  factoryOf: (id: string) => Pick<ProcessorFactory, 'stage'> | undefined,
  path: string,
  issues: ConfigIssue[],
): void {
  let mapping: string | undefined;
  ids.forEach((id, i) => {
    if (typeof id !== 'string') return;
    const factory = factoryOf(id);
    if (factory === undefined) return;
    const stage = stageOf(factory);
    if (stage === 'mapping') {
      if (mapping !== undefined)
        issues.push({
          path: `${path}[${i}]`,
          message: `"${id}" maps records a second time; "${mapping}" already maps them (list one mapping processor)`,
        });
      else mapping = id;
      return;
    }
    if (stage === 'record' && mapping !== undefined)
      issues.push({
        path: `${path}[${i}]`,
        message: `"${id}" works on raw records, so it must run before the mapping processor "${mapping}", but it is listed after it: move "${id}" before "${mapping}"`,
      });
  });
}

/**
 * Where a mapping processor goes in `ids` when the pipeline does not list one: right after the last `record`
 * processor, so that everything before it sees raw records and only `any` processors (batch) follow it.
 */
export function mappingInsertIndex(
  ids: readonly string[],
  factoryOf: (id: string) => Pick<ProcessorFactory, 'stage'> | undefined,
): number {
  let index = 0;
  ids.forEach((id, i) => {
    if (stageOf(factoryOf(id)) === 'record') index = i + 1;
  });
  return index;
}
