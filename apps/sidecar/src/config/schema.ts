// The JSON Schema of the whole configuration file, derived from the same ConfigReader calls that validate it:
// each component's `validate` is probed for the keys it reads, the top level, `service` and `storage` likewise.
// `scripts/generate-schema.ts` writes it to config.schema.json, which editors use through
// `# yaml-language-server: $schema=...`.
import { orEnv, probeConfigSchema } from '@logpush-otel/pipeline';
import type { AnyFactory, ComponentRegistry, JsonSchema } from '@logpush-otel/pipeline';
import { readTopLevel } from './load.ts';

const ID_SUFFIX = '(/[A-Za-z0-9_.-]+)?$';

/** `enabled`, accepted on every component (the loader removes disabled ones before validation). */
const ENABLED: JsonSchema = {
  description: 'false, { if_env_set: NAME } or { if_env_unset: NAME }: turns the component off',
  anyOf: [
    orEnv({ type: 'boolean' }),
    {
      type: 'object',
      properties: { if_env_set: { type: 'string' }, if_env_unset: { type: 'string' } },
      minProperties: 1,
      maxProperties: 1,
      additionalProperties: false,
    },
  ],
};

function componentSchema(kind: string, factory: AnyFactory): JsonSchema {
  const probed = probeConfigSchema((probe) => factory.validate(probe, `${kind}.${factory.type}`));
  const base: JsonSchema = probed ?? { type: ['object', 'null'] };
  const properties = (base['properties'] ?? {}) as Record<string, JsonSchema>;
  return {
    description: `the ${factory.type} ${factory.kind} (stability: ${factory.stability})`,
    ...base,
    ...(probed === undefined ? {} : { properties: { ...properties, enabled: ENABLED } }),
  };
}

function sectionSchema(kind: string, factories: ReadonlyMap<string, AnyFactory>): JsonSchema {
  const patternProperties: Record<string, JsonSchema> = {};
  for (const type of [...factories.keys()].sort()) {
    const factory = factories.get(type);
    if (factory !== undefined) patternProperties[`^${type}${ID_SUFFIX}`] = componentSchema(kind, factory);
  }
  return {
    description: `${kind} by id: <type> or <type>/<name>`,
    type: ['object', 'null'],
    patternProperties,
    additionalProperties: false,
  };
}

const ID_LIST: JsonSchema = { type: 'array', items: { type: 'string' } };

const PIPELINES: JsonSchema = {
  description: 'logs pipelines: logs or logs/<name>',
  type: 'object',
  patternProperties: {
    [`^logs${ID_SUFFIX}`]: {
      type: 'object',
      properties: { receivers: ID_LIST, processors: ID_LIST, exporters: ID_LIST },
      required: ['receivers', 'exporters'],
      additionalProperties: false,
    },
  },
  minProperties: 1,
  additionalProperties: false,
};

/** The JSON Schema (draft 2020-12) of a configuration file for the components of `registry`. */
export function configSchema(registry: ComponentRegistry): JsonSchema {
  const top = probeConfigSchema((probe) => readTopLevel(probe, '/')) ?? {};
  const properties = { ...((top['properties'] ?? {}) as Record<string, JsonSchema>) };
  properties['receivers'] = sectionSchema('receivers', registry.receivers);
  properties['processors'] = sectionSchema('processors', registry.processors);
  properties['exporters'] = sectionSchema('exporters', registry.exporters);
  const service = properties['service'] ?? {};
  properties['service'] = {
    ...service,
    properties: { ...((service['properties'] ?? {}) as Record<string, JsonSchema>), pipelines: PIPELINES },
    required: ['pipelines'],
  };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'logpush-otel configuration',
    description:
      "Generated from the components' own validation (apps/sidecar/scripts/generate-schema.ts); do not edit.",
    type: 'object',
    properties,
    required: ['service'],
    additionalProperties: false,
  };
}
