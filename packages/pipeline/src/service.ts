import type {
  Component,
  ComponentKind,
  Consumer,
  CreateSettings,
  Exporter,
  Host,
  Logger,
  Processor,
  Receiver,
} from './component.ts';
import { isDrainable } from './drain.ts';
import { fanOut, settleAll } from './fan-out.ts';
import { reportsReadiness } from './readiness.ts';
import type { ServiceGraph } from './service-config.ts';

/** A logger that adds `fields` to every message of `logger`. */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  return {
    debug: (message, extra) => logger.debug(message, { ...fields, ...extra }),
    info: (message, extra) => logger.info(message, { ...fields, ...extra }),
    warn: (message, extra) => logger.warn(message, { ...fields, ...extra }),
    error: (message, extra) => logger.error(message, { ...fields, ...extra }),
  };
}

/** One running component of a {@link Service}. */
export interface ServiceComponent {
  readonly kind: ComponentKind;
  /** The id in the config (`otlp/loki`). */
  readonly id: string;
  /** `receivers/<id>`, `processors/<id>` (with `@<pipeline>`: processors are created per pipeline), `exporters/<id>`. */
  readonly name: string;
  /** For processors, the pipeline they belong to. */
  readonly pipeline: string | undefined;
  readonly component: Component;
}

/** Options of a {@link Service}. */
export interface ServiceOptions {
  /**
   * How long one component's `start()` may take before the service gives up on it (its name in the error) and
   * shuts everything down; default 30 s, 0 = no limit.
   */
  readonly startTimeoutMs?: number;
}

/** Default of {@link ServiceOptions.startTimeoutMs}. */
export const DEFAULT_START_TIMEOUT_MS = 30_000;

/** `promise`, or a rejection saying it did not settle within `ms` (0: no limit). */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  if (ms <= 0) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not start within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Lifecycle state of a {@link Service}. */
export type ServiceState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/**
 * Runs the pipelines of a validated configuration ({@link validateServiceConfig}).
 *
 * Wiring, as in the OpenTelemetry Collector: one exporter instance per exporter id, shared by the pipelines that
 * list it; processors are created once per pipeline, chained in the listed order, the last feeding a fan-out to
 * the pipeline's exporters (which resolves only when every exporter resolved); one receiver instance per id,
 * feeding a fan-out to the first consumer of each of its pipelines (each pipeline but the first gets copies of
 * the entries). `start()` starts exporters, then processors, then receivers; `shutdown()` stops receivers first
 * (they finish their in-flight batches and save checkpoints), then processors upstream to downstream (a batch
 * processor sends what it holds), then exporters.
 */
export class Service {
  readonly components: readonly ServiceComponent[];
  private readonly host: Host;
  private readonly startTimeoutMs: number;
  private stateValue: ServiceState = 'created';
  private shutdownPromise: Promise<void> | undefined;

  /** Creates every component of `graph` (nothing starts yet). Throws if a factory's `create` throws. */
  constructor(graph: ServiceGraph, host: Host, options: ServiceOptions = {}) {
    this.host = host;
    this.startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    const components: ServiceComponent[] = [];
    const settings = (kind: ComponentKind, id: string, pipeline?: string): CreateSettings => {
      const name = `${kind}s/${id}${pipeline === undefined ? '' : `@${pipeline}`}`;
      return {
        id,
        logger: withFields(host.logger, { component: name }),
        metrics: host.metrics,
        deadLetters: host.deadLetters,
      };
    };
    const add = (kind: ComponentKind, id: string, component: Component, pipeline?: string): void => {
      const name = `${kind}s/${id}${pipeline === undefined ? '' : `@${pipeline}`}`;
      components.push({ kind, id, name, pipeline, component });
    };
    const created: Component[] = [];
    try {
      const exporters = new Map<string, Exporter>();
      for (const pipeline of graph.pipelines) {
        for (const id of pipeline.exporters) {
          if (exporters.has(id)) continue;
          const spec = graph.exporters.get(id);
          if (spec === undefined) throw new Error(`exporter "${id}" is not in the configuration`);
          const exporter = spec.factory.create(settings('exporter', id), spec.config, undefined);
          created.push(exporter);
          exporters.set(id, exporter);
          add('exporter', id, exporter);
        }
      }
      const heads = new Map<string, Consumer>();
      for (const pipeline of graph.pipelines) {
        let next: Consumer = fanOut(pipeline.exporters.map((id) => exporters.get(id) as Exporter));
        const chain: ServiceComponent[] = [];
        for (const id of [...pipeline.processors].reverse()) {
          const spec = graph.processors.get(id);
          if (spec === undefined) throw new Error(`processor "${id}" is not in the configuration`);
          const processor: Processor = spec.factory.create(
            settings('processor', id, pipeline.name),
            spec.config,
            next,
          );
          created.push(processor);
          chain.unshift({
            kind: 'processor',
            id,
            name: `processors/${id}@${pipeline.name}`,
            pipeline: pipeline.name,
            component: processor,
          });
          next = processor;
        }
        components.push(...chain);
        heads.set(pipeline.name, next);
      }
      const receiverIds: string[] = [];
      for (const pipeline of graph.pipelines)
        for (const id of pipeline.receivers) if (!receiverIds.includes(id)) receiverIds.push(id);
      for (const id of receiverIds) {
        const spec = graph.receivers.get(id);
        if (spec === undefined) throw new Error(`receiver "${id}" is not in the configuration`);
        const targets = graph.pipelines
          .filter((p) => p.receivers.includes(id))
          .map((p) => heads.get(p.name) as Consumer);
        const receiver: Receiver = spec.factory.create(
          settings('receiver', id),
          spec.config,
          fanOut(targets, { clone: true }),
        );
        created.push(receiver);
        add('receiver', id, receiver);
      }
    } catch (error) {
      // best effort: components created so far get a shutdown (safe without start, per the contract)
      for (const c of created) void c.shutdown().catch(() => undefined);
      throw error;
    }
    this.components = components;
  }

  /** `created`, `starting`, `running` (every component started: ready), `stopping`, `stopped`, `failed`. */
  get state(): ServiceState {
    return this.stateValue;
  }

  /**
   * Whether every component started, the service is not stopping, and no component reports that it cannot work
   * (see {@link ReportsReadiness}).
   */
  get ready(): boolean {
    return this.stateValue === 'running' && this.notReady().length === 0;
  }

  /** The reasons components give for not being able to work now (see {@link ReportsReadiness}). */
  notReady(): string[] {
    const reasons: string[] = [];
    for (const c of this.components) {
      if (!reportsReadiness(c.component)) continue;
      const reason = c.component.notReadyReason();
      if (reason !== undefined) reasons.push(reason);
    }
    return reasons;
  }

  /** The components of one kind, in start order. */
  byKind(kind: ComponentKind): ServiceComponent[] {
    return this.components.filter((c) => c.kind === kind);
  }

  /**
   * Starts exporters, then processors, then receivers, each group concurrently. If one fails to start (or does not
   * start within the start timeout), everything is shut down and the error is rethrown with the component's name.
   */
  async start(): Promise<void> {
    if (this.stateValue !== 'created') throw new Error(`the service cannot start: it is ${this.stateValue}`);
    this.stateValue = 'starting';
    for (const kind of ['exporter', 'processor', 'receiver'] as const) {
      const group = this.byKind(kind);
      const results = await Promise.allSettled(
        group.map((c) => within(c.component.start(this.host), this.startTimeoutMs)),
      );
      const failed = results.findIndex((r) => r.status === 'rejected');
      if (failed !== -1) {
        const r = results[failed] as PromiseRejectedResult;
        const name = group[failed]?.name ?? kind;
        const reason = r.reason instanceof Error ? r.reason.message : String(r.reason);
        this.host.logger.error('a component failed to start; shutting down', {
          component: name,
          error: reason,
        });
        await this.shutdown().catch(() => undefined);
        this.stateValue = 'failed';
        throw new Error(`${name} failed to start: ${reason}`, { cause: r.reason });
      }
    }
    // a shutdown requested while starting wins
    if (this.stateValue === 'starting') this.stateValue = 'running';
  }

  /**
   * Resolves once every receiver has drained (see {@link Drainable}): all input present now is read and
   * acknowledged. Rejects at once, naming them, if some receivers cannot drain.
   */
  async drained(): Promise<void> {
    const receivers = this.byKind('receiver');
    const unable = receivers.filter((r) => !isDrainable(r.component)).map((r) => r.name);
    if (unable.length > 0) throw new Error(`these receivers cannot run once and stop: ${unable.join(', ')}`);
    await settleAll(
      receivers.map((r) => (isDrainable(r.component) ? r.component.drained() : Promise.resolve())),
    );
  }

  /**
   * Stops receivers, then processors (per pipeline, upstream first), then exporters. Every component gets its
   * shutdown even if an earlier one failed; failures are logged and rethrown together at the end. Safe to call
   * twice (the second call returns the first call's promise).
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.stop();
    return this.shutdownPromise;
  }

  private async stop(): Promise<void> {
    this.stateValue = 'stopping';
    const errors: unknown[] = [];
    const stopAll = async (group: readonly ServiceComponent[]): Promise<void> => {
      const results = await Promise.allSettled(group.map((c) => c.component.shutdown()));
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') return;
        const name = group[i]?.name ?? 'component';
        const reason = r.reason instanceof Error ? r.reason.message : String(r.reason);
        this.host.logger.error('a component failed to shut down cleanly', { component: name, error: reason });
        errors.push(new Error(`${name}: ${reason}`, { cause: r.reason }));
      });
    };
    await stopAll(this.byKind('receiver'));
    const pipelines = new Map<string, ServiceComponent[]>();
    for (const c of this.byKind('processor')) {
      const key = c.pipeline ?? '';
      pipelines.set(key, [...(pipelines.get(key) ?? []), c]);
    }
    await Promise.all(
      [...pipelines.values()].map(async (chain) => {
        for (const c of chain) await stopAll([c]);
      }),
    );
    await stopAll(this.byKind('exporter'));
    this.stateValue = 'stopped';
    if (errors.length > 0)
      throw new AggregateError(errors, `${errors.length} component(s) failed to shut down`);
  }
}
