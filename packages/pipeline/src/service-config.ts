import type {
  AnyFactory,
  ComponentKind,
  ExporterFactory,
  ProcessorFactory,
  ReceiverFactory,
  ValidationResult,
} from './component.ts';
import { describeValue, isPlainObject } from './config-reader.ts';
import { locateIssues } from './config-source.ts';
import type { ConfigSource } from './config-source.ts';
import { unknownKeyMessage } from './config-values.ts';
import type { ConfigIssue } from './errors.ts';
import type { ComponentRegistry } from './registry.ts';
import { checkProcessorStages, mappingInsertIndex, stageOf } from './stages.ts';

/** One configured component: its id (`otlp/loki`), its type (`otlp`), its factory and its validated config. */
export interface ComponentSpec<F extends AnyFactory = AnyFactory> {
  readonly id: string;
  readonly type: string;
  readonly factory: F;
  readonly config: unknown;
}

/** One pipeline: the receivers feeding it, its processors in order, and the exporters it fans out to. */
export interface PipelineSpec {
  /** `logs` or `logs/<name>`. */
  readonly name: string;
  readonly receivers: readonly string[];
  readonly processors: readonly string[];
  readonly exporters: readonly string[];
}

/** A validated service configuration, ready for {@link Service}. */
export interface ServiceGraph {
  readonly receivers: ReadonlyMap<string, ComponentSpec<ReceiverFactory>>;
  readonly processors: ReadonlyMap<string, ComponentSpec<ProcessorFactory>>;
  readonly exporters: ReadonlyMap<string, ComponentSpec<ExporterFactory>>;
  readonly pipelines: readonly PipelineSpec[];
  /** Components that are configured but used by no pipeline (validated, never created). */
  readonly unused: readonly string[];
}

/** The parts of a Collector-shaped configuration document the service reads. */
export interface ServiceConfigInput {
  readonly receivers?: unknown;
  readonly processors?: unknown;
  readonly exporters?: unknown;
  /** The `service.pipelines` mapping. */
  readonly pipelines?: unknown;
}

/** Options of {@link validateServiceConfig}. */
export interface ServiceConfigOptions {
  /** Path of the pipelines mapping in messages (default `service.pipelines`). */
  readonly pipelinesPath?: string;
  /**
   * Processor types every pipeline must contain. A pipeline without one gets it appended after its own
   * processors (a `mapping` processor: after its last `record` processor), with the config of the component whose id is the bare type when there is
   * one, else the factory's defaults.
   */
  readonly ensureProcessors?: readonly string[];
  /** Where the document came from: every issue then carries the file, line and column of its key. */
  readonly source?: ConfigSource;
}

const idPattern = /^[a-z][a-z0-9_]*(\/[A-Za-z0-9_.-]+)?$/;
const pipelinePattern = /^(logs|traces|metrics)(\/[A-Za-z0-9_.-]+)?$/;
const sections = { receiver: 'receivers', processor: 'processors', exporter: 'exporters' } as const;

function typeOf(id: string): string {
  const slash = id.indexOf('/');
  return slash === -1 ? id : id.slice(0, slash);
}

/**
 * Validates one component's section once, with its factory: the factory gets the user's section as written
 * (null and a missing section are an empty mapping) and fills every key left out from its own defaults.
 */
function validateComponent<F extends AnyFactory>(
  factory: F,
  raw: unknown,
  path: string,
): ValidationResult<unknown> {
  if (raw !== null && raw !== undefined && !isPlainObject(raw))
    return { ok: false, issues: [{ path, message: `expected a mapping, got ${describeValue(raw)}` }] };
  try {
    return factory.validate(raw ?? {}, path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, issues: [{ path, message: `could not be validated: ${reason}` }] };
  }
}

function readSection<F extends AnyFactory>(
  kind: ComponentKind,
  raw: unknown,
  factories: ReadonlyMap<string, F>,
  issues: ConfigIssue[],
): Map<string, ComponentSpec<F>> {
  const section = sections[kind];
  const out = new Map<string, ComponentSpec<F>>();
  if (raw === undefined || raw === null) return out;
  if (!isPlainObject(raw)) {
    issues.push({
      path: section,
      message: `expected a mapping of ${kind} ids to settings, got ${describeValue(raw)}`,
    });
    return out;
  }
  for (const [id, value] of Object.entries(raw)) {
    const path = `${section}.${id}`;
    if (!idPattern.test(id)) {
      issues.push({ path, message: `expected an id of the form <type> or <type>/<name> (e.g. otlp/loki)` });
      continue;
    }
    const type = typeOf(id);
    const factory = factories.get(type);
    if (factory === undefined) {
      const known = [...factories.keys()].sort().join(', ');
      issues.push({
        path,
        message: `unknown ${kind} type "${type}" (known: ${known === '' ? 'none' : known})`,
      });
      continue;
    }
    const result = validateComponent(factory, value, path);
    if (!result.ok) issues.push(...result.issues);
    else out.set(id, { id, type, factory, config: result.config });
  }
  return out;
}

function readIdList(
  value: unknown,
  path: string,
  kind: ComponentKind,
  declared: ReadonlySet<string>,
  valid: ReadonlyMap<string, unknown>,
  required: boolean,
  issues: ConfigIssue[],
): string[] {
  if (value === undefined || value === null) {
    if (required) issues.push({ path, message: `expected a list of at least one ${kind} id` });
    return [];
  }
  if (!Array.isArray(value)) {
    issues.push({ path, message: `expected a list of ${kind} ids, got ${describeValue(value)}` });
    return [];
  }
  if (required && value.length === 0)
    issues.push({ path, message: `expected a list of at least one ${kind} id` });
  const ids: string[] = [];
  value.forEach((item: unknown, i) => {
    const itemPath = `${path}[${i}]`;
    if (typeof item !== 'string') {
      issues.push({ path: itemPath, message: `expected a ${kind} id, got ${describeValue(item)}` });
      return;
    }
    if (!declared.has(item)) {
      const known = [...declared].sort().join(', ');
      issues.push({
        path: itemPath,
        message: `${kind} "${item}" is not defined under ${sections[kind]} (defined: ${known === '' ? 'none' : known})`,
      });
      return;
    }
    if (ids.includes(item)) {
      issues.push({ path: itemPath, message: `${kind} "${item}" is listed twice` });
      return;
    }
    if (valid.has(item)) ids.push(item);
  });
  return ids;
}

/**
 * Validates the component sections and the pipelines of a Collector-shaped configuration against `registry`.
 * Every component's section is checked once by its factory's `validate()`, which fills in its defaults.
 * Collects every issue (unknown types with the known ones, undefined ids, wrong shapes) with its path.
 */
export function validateServiceConfig(
  input: ServiceConfigInput,
  registry: ComponentRegistry,
  options: ServiceConfigOptions = {},
): ValidationResult<ServiceGraph> {
  const issues: ConfigIssue[] = [];
  const receivers = readSection('receiver', input.receivers, registry.receivers, issues);
  const processors = readSection('processor', input.processors, registry.processors, issues);
  const exporters = readSection('exporter', input.exporters, registry.exporters, issues);
  const declared = (raw: unknown): Set<string> => new Set(isPlainObject(raw) ? Object.keys(raw) : []);
  const declaredReceivers = declared(input.receivers);
  const declaredProcessors = declared(input.processors);
  const declaredExporters = declared(input.exporters);

  const pipelinesPath = options.pipelinesPath ?? 'service.pipelines';
  const pipelines: PipelineSpec[] = [];
  const raw = input.pipelines;
  if (!isPlainObject(raw) || Object.keys(raw).length === 0) {
    issues.push({
      path: pipelinesPath,
      message: `expected a mapping with at least one logs pipeline, got ${describeValue(raw)}`,
    });
  } else {
    for (const [name, value] of Object.entries(raw)) {
      const path = `${pipelinesPath}.${name}`;
      const m = pipelinePattern.exec(name);
      if (m === null) {
        issues.push({ path, message: 'expected a pipeline name of the form logs or logs/<name>' });
        continue;
      }
      if (m[1] !== 'logs') {
        issues.push({ path, message: `only logs pipelines are supported, got a ${m[1]} pipeline` });
        continue;
      }
      if (!isPlainObject(value)) {
        issues.push({ path, message: `expected a mapping with receivers, processors and exporters` });
        continue;
      }
      for (const key of Object.keys(value)) {
        if (key !== 'receivers' && key !== 'processors' && key !== 'exporters')
          issues.push({
            path: `${path}.${key}`,
            message: unknownKeyMessage(key, ['exporters', 'processors', 'receivers']),
          });
      }
      const r = readIdList(
        value['receivers'],
        `${path}.receivers`,
        'receiver',
        declaredReceivers,
        receivers,
        true,
        issues,
      );
      const p = readIdList(
        value['processors'],
        `${path}.processors`,
        'processor',
        declaredProcessors,
        processors,
        false,
        issues,
      );
      const e = readIdList(
        value['exporters'],
        `${path}.exporters`,
        'exporter',
        declaredExporters,
        exporters,
        true,
        issues,
      );
      for (const type of options.ensureProcessors ?? []) {
        if (p.some((id) => typeOf(id) === type)) continue;
        if (!processors.has(type)) {
          const factory = registry.processors.get(type);
          if (factory === undefined) {
            issues.push({
              path: `${path}.processors`,
              message: `needs a "${type}" processor, which is not registered`,
            });
            continue;
          }
          if (declaredProcessors.has(type)) continue; // declared but invalid: already reported
          const result = validateComponent(factory, undefined, `processors.${type}`);
          if (!result.ok) {
            issues.push(...result.issues);
            continue;
          }
          processors.set(type, { id: type, type, factory, config: result.config });
        }
        const factory = registry.processors.get(type);
        if (stageOf(factory) === 'mapping')
          p.splice(
            mappingInsertIndex(p, (id) => processors.get(id)?.factory),
            0,
            type,
          );
        else p.push(type);
      }
      const listed: unknown = value['processors'];
      checkProcessorStages(
        Array.isArray(listed) ? listed : [],
        (id) => processors.get(id)?.factory,
        `${path}.processors`,
        issues,
      );
      pipelines.push({ name, receivers: r, processors: p, exporters: e });
    }
  }
  if (issues.length > 0)
    return {
      ok: false,
      issues: options.source === undefined ? issues : locateIssues(issues, options.source),
    };

  const used = new Set<string>();
  for (const pl of pipelines) {
    for (const id of pl.receivers) used.add(`receivers.${id}`);
    for (const id of pl.processors) used.add(`processors.${id}`);
    for (const id of pl.exporters) used.add(`exporters.${id}`);
  }
  const unused = [
    ...[...receivers.keys()].map((id) => `receivers.${id}`),
    ...[...processors.keys()].map((id) => `processors.${id}`),
    ...[...exporters.keys()].map((id) => `exporters.${id}`),
  ].filter((key) => !used.has(key));
  return { ok: true, config: { receivers, processors, exporters, pipelines, unused } };
}
