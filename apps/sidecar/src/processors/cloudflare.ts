// The `cloudflare` processor: maps parsed Logpush records to OpenTelemetry LogRecords (semantic attributes,
// severity, body, event name, resource) with @logpush-otel/otlp, then hands the batch on.
import { BODY_MODES, PROFILES, createMapper } from '@logpush-otel/otlp';
import type { BodyMode, MappingOptions, Profile } from '@logpush-otel/otlp';
import { ConfigReader, PermanentError, deadLetterRaw } from '@logpush-otel/pipeline';
import type {
  Consumer,
  CreateSettings,
  DeadLetter,
  LogBatch,
  LogEntry,
  MappedBatch,
  MappedEntry,
  Processor,
  ProcessorFactory,
} from '@logpush-otel/pipeline';

/** Settings of the `cloudflare` processor (YAML keys). */
export interface CloudflareProcessorConfig {
  /** LogRecord body: `summary` (default, a one-line summary), `original` (the raw line) or `map` (the record). */
  readonly body: BodyMode;
  /** Backend profile: `default`, `loki`, `datadog` or `datadog-raw`. */
  readonly profile: Profile;
  /** Most attributes per record (0 = the profile's default: 120, or 110 for loki). */
  readonly attribute_limit: number;
  /** Most keys kept from one flattened object such as RequestHeaders (0 = default, 32). */
  readonly object_key_limit: number;
  /** Resource `service.name` ('' = OTEL_SERVICE_NAME, else `cloudflare`). */
  readonly service_name: string;
  /** Extra resource attributes (merged over OTEL_RESOURCE_ATTRIBUTES). Keep them low-cardinality. */
  readonly resource_attributes: Readonly<Record<string, string>>;
  /** Add a deterministic `log.record.uid` so that a backend can drop re-delivered duplicates. */
  readonly record_uid: boolean;
  /** Flatten http_requests `Cookies` into attributes (personal data: off by default). */
  readonly cookies: boolean;
}

/** Defaults of the `cloudflare` processor. */
export function defaultCloudflareProcessorConfig(): CloudflareProcessorConfig {
  return {
    body: 'summary',
    profile: 'default',
    attribute_limit: 0,
    object_key_limit: 0,
    service_name: '',
    resource_attributes: {},
    record_uid: false,
    cookies: false,
  };
}

/** The {@link MappingOptions} a config stands for. */
export function mappingOptions(config: CloudflareProcessorConfig): MappingOptions {
  const options: MappingOptions = { body: config.body, profile: config.profile };
  if (config.attribute_limit > 0) options.attributeLimit = config.attribute_limit;
  if (config.object_key_limit > 0) options.objectKeyLimit = config.object_key_limit;
  if (config.service_name !== '') options.serviceName = config.service_name;
  if (Object.keys(config.resource_attributes).length > 0)
    options.resourceAttributes = { ...config.resource_attributes };
  if (config.record_uid) options.recordUid = true;
  if (config.cookies) options.cookies = true;
  return options;
}

/**
 * The `cloudflare` processor: sets `entry.log` and `entry.resource` on every entry, then hands the batch on and
 * returns its outcome. An entry the mapping cannot handle is dead-lettered with the reason (and acknowledged);
 * its neighbours go on. After `shutdown()`, `consume()` rejects.
 */
export class CloudflareProcessor implements Processor {
  private readonly map: (entry: LogEntry) => MappedEntry;
  /** What follows the mapping only ever sees mapped entries. */
  private readonly next: Consumer<MappedBatch>;
  private readonly settings: CreateSettings;
  private closed = false;

  constructor(settings: CreateSettings, config: CloudflareProcessorConfig, next: Consumer) {
    this.settings = settings;
    this.next = next;
    this.map = createMapper(mappingOptions(config));
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  async consume(batch: LogBatch): Promise<void> {
    if (this.closed)
      throw new Error(`processors/${this.settings.id} is shut down; the batch was not accepted`);
    let failed: DeadLetter[] | undefined;
    const mapped: MappedEntry[] = [];
    batch.entries.forEach((entry) => {
      try {
        mapped.push(this.map(entry));
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        failed ??= [];
        failed.push({
          reason: `could not map the record to a LogRecord: ${reason}`,
          component: `processors/${this.settings.id}`,
          source: entry.position.source,
          line: entry.position.line,
          offset: entry.position.offset,
          raw: deadLetterRaw(entry),
        });
      }
    });
    if (failed !== undefined) {
      try {
        await this.settings.deadLetters.write(failed);
      } catch (error) {
        throw new PermanentError('could not write unmappable records to the dead-letter store', {
          cause: error,
        });
      }
      this.settings.logger.warn('records could not be mapped and were dead-lettered', {
        count: failed.length,
      });
    }
    if (mapped.length === 0) return;
    await this.next.consume({ entries: mapped });
  }

  shutdown(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** Factory of the `cloudflare` processor (stability: beta). */
export const cloudflareProcessorFactory: ProcessorFactory<CloudflareProcessorConfig> = {
  type: 'cloudflare',
  kind: 'processor',
  stability: 'beta',
  stage: 'mapping',
  defaultConfig: defaultCloudflareProcessorConfig,
  validate(config, path) {
    const d = defaultCloudflareProcessorConfig();
    const r = new ConfigReader(config, path);
    return r.finish<CloudflareProcessorConfig>({
      body: r.oneOf('body', BODY_MODES, d.body),
      profile: r.oneOf('profile', PROFILES, d.profile),
      attribute_limit: r.number('attribute_limit', d.attribute_limit, { integer: true, min: 0, max: 10_000 }),
      object_key_limit: r.number('object_key_limit', d.object_key_limit, {
        integer: true,
        min: 0,
        max: 10_000,
      }),
      service_name: r.string('service_name', d.service_name),
      resource_attributes: r.stringMap('resource_attributes', d.resource_attributes),
      record_uid: r.boolean('record_uid', d.record_uid),
      cookies: r.boolean('cookies', d.cookies),
    });
  },
  create(settings, config, next) {
    if (next === undefined) throw new Error(`processors/${settings.id}: a processor needs a next consumer`);
    return new CloudflareProcessor(settings, config, next);
  },
};
