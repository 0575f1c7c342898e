// JSON Schema fragments for configuration values, produced by the same ConfigReader calls that validate them:
// every getter declares the shape it accepts, and a probe run of a component's `validate` collects them.

/** A JSON Schema (draft 2020-12) object. */
export type JsonSchema = { [keyword: string]: unknown };

/** A value written as `${env:NAME}` (or with a default): the schema accepts it wherever a typed value goes. */
export const ENV_REFERENCE: JsonSchema = {
  type: 'string',
  pattern: '^\\s*\\$\\{env:[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}\\s*$',
};

/** `schema`, or a `${env:NAME}` reference standing for it. */
export function orEnv(schema: JsonSchema): JsonSchema {
  return { anyOf: [schema, ENV_REFERENCE] };
}

/** Adds `default` to a schema when `value` is a JSON value worth showing (not an empty string or list). */
export function withDefault(schema: JsonSchema, value: unknown): JsonSchema {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return schema;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0)
    return schema;
  return { ...schema, default: value };
}

/** The probe value: a component's `validate` given this reads every key it knows and declares its shape. */
export const CONFIG_PROBE: Readonly<Record<string, never>> = Object.freeze({});

/** Readers created while a probe runs, in creation order (the first is the component's own). */
let probing: { schema(): JsonSchema }[] | undefined;

/** Called by every ConfigReader's constructor. */
export function registerReader(reader: { schema(): JsonSchema }): void {
  probing?.push(reader);
}

/**
 * The JSON Schema of the section a validation function reads, from the ConfigReader calls it makes: `run` is
 * called with {@link CONFIG_PROBE}, on which every `has()` is true and every value absent, so that conditional
 * parts are read too. Undefined when `run` used no ConfigReader (its section is then any mapping).
 */
export function probeConfigSchema(run: (probe: unknown) => unknown): JsonSchema | undefined {
  const outer = probing;
  const readers: { schema(): JsonSchema }[] = [];
  probing = readers;
  try {
    run(CONFIG_PROBE);
  } catch {
    // a validate that throws on the probe still declared what it read before throwing
  } finally {
    probing = outer;
  }
  return readers[0]?.schema();
}
