import type { AnyFactory, ExporterFactory, ProcessorFactory, ReceiverFactory } from './component.ts';

/** The factories a service can build components from, by kind and `type`. */
export interface ComponentRegistry {
  readonly receivers: ReadonlyMap<string, ReceiverFactory>;
  readonly processors: ReadonlyMap<string, ProcessorFactory>;
  readonly exporters: ReadonlyMap<string, ExporterFactory>;
}

/**
 * Builds a registry from factories of any kind. Throws if two factories of the same kind share a `type`
 * (a wiring mistake in the application, not a user error).
 */
export function createRegistry(factories: Iterable<AnyFactory>): ComponentRegistry {
  const receivers = new Map<string, ReceiverFactory>();
  const processors = new Map<string, ProcessorFactory>();
  const exporters = new Map<string, ExporterFactory>();
  for (const factory of factories) {
    const map: Map<string, AnyFactory> =
      factory.kind === 'receiver' ? receivers : factory.kind === 'processor' ? processors : exporters;
    if (map.has(factory.type))
      throw new Error(`two ${factory.kind} factories have the type "${factory.type}"`);
    map.set(factory.type, factory);
  }
  return { receivers, processors, exporters };
}
