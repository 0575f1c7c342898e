// What `run` would find wrong on this machine, checked without running anything: directories that must exist and
// be readable, places that must be writable (state, dead letters, the file exporter's output), databases that
// must load, TLS files that must parse. `validate` reports these next to the configuration's own issues, and
// `run` refuses to start on them, so the two never disagree.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { GeoIpDatabase } from '@logpush-otel/enrichment';
import type { ConfigIssue } from '@logpush-otel/pipeline';
import type { OtlpExporterConfig } from '../exporters/otlp/config.ts';
import { resolveLogsUrl } from '../exporters/otlp/config.ts';
import { loadTls } from '../exporters/otlp/transport.ts';
import type { SidecarConfig } from './load.ts';

/** Kernel file systems: files there are not storage (and `mkdir -p` under them may never return). */
const VIRTUAL_ROOTS = ['/proc', '/sys', '/dev'];

function typeOf(id: string): string {
  const slash = id.indexOf('/');
  return slash === -1 ? id : id.slice(0, slash);
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT'
    ? 'does not exist'
    : code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'ENOTDIR'
        ? 'a parent is not a directory'
        : String((error as Error).message);
}

/** Why `dir` cannot be read as a directory, or undefined when it can. */
async function unreadableDirectory(dir: string): Promise<string | undefined> {
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) return `${dir} is not a directory`;
    await access(dir, constants.R_OK | constants.X_OK);
    return undefined;
  } catch (error) {
    return `${dir}: ${errorCode(error)}`;
  }
}

/**
 * Why a directory at `dir` could not be created or written, or undefined when it can: it exists and is writable,
 * or its nearest existing parent is a writable directory.
 */
export async function unwritableDirectory(dir: string): Promise<string | undefined> {
  const abs = resolve(dir);
  const root = VIRTUAL_ROOTS.find((r) => abs === r || abs.startsWith(`${r}${sep}`));
  if (root !== undefined) return `${abs} is on the kernel's ${root} file system, not storage`;
  let probe = abs;
  for (;;) {
    try {
      const st = await stat(probe);
      if (!st.isDirectory()) return `${probe} is not a directory`;
      await access(probe, constants.W_OK | constants.X_OK);
      return undefined;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return `${probe}: ${errorCode(error)}`;
      const parent = dirname(probe);
      if (parent === probe) return `${abs}: no existing parent directory`;
      probe = parent;
    }
  }
}

/** Why the file at `path` could not be created or appended to, or undefined when it can. */
async function unwritableFile(path: string): Promise<string | undefined> {
  try {
    const st = await stat(path);
    if (st.isDirectory()) return `${path} is a directory`;
    await access(path, constants.W_OK);
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return `${path}: ${errorCode(error)}`;
  }
  return unwritableDirectory(dirname(path));
}

/**
 * Every problem `run` would meet on this machine before sending anything; empty when there is none.
 * `databases: false` skips loading MaxMind databases (`run` loads them when it creates the processor anyway).
 */
export async function preflight(
  config: SidecarConfig,
  options: { databases?: boolean } = {},
): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  const add = (path: string, why: string | undefined, expected: string): void => {
    if (why !== undefined) issues.push({ path, message: `expected ${expected}: ${why}` });
  };
  add(
    'storage.checkpoint_dir',
    await unwritableDirectory(config.storage.checkpointDir),
    'a writable directory',
  );
  add(
    'storage.dead_letter_dir',
    await unwritableDirectory(config.storage.deadLetterDir),
    'a writable directory',
  );
  const { graph } = config;
  for (const [id, spec] of graph.receivers) {
    if (typeOf(id) !== 'logpush_file') continue;
    const c = spec.config as { directory?: string; checkpoint_dir?: string };
    if (c.directory !== undefined && c.directory !== '')
      add(`receivers.${id}.directory`, await unreadableDirectory(c.directory), 'a readable directory');
    if (c.checkpoint_dir !== undefined && c.checkpoint_dir !== '')
      add(
        `receivers.${id}.checkpoint_dir`,
        await unwritableDirectory(c.checkpoint_dir),
        'a writable directory',
      );
  }
  for (const [id, spec] of graph.exporters) {
    const type = typeOf(id);
    if (type === 'file') {
      const c = spec.config as { path?: string };
      if (c.path !== undefined && c.path !== '')
        add(
          `exporters.${id}.path`,
          await unwritableFile(c.path),
          'a file that can be created or appended to',
        );
    } else if (type === 'otlp') {
      const c = spec.config as OtlpExporterConfig;
      let https = false;
      try {
        https = resolveLogsUrl(c).protocol === 'https:';
      } catch {
        // an invalid URL is already a configuration issue
      }
      if (!https) continue;
      try {
        loadTls(c.tls);
      } catch (error) {
        const message = (error as Error).message;
        const key = /^tls\.(\w+)/.exec(message)?.[1];
        issues.push({
          path: `exporters.${id}.tls${key === undefined ? '' : `.${key}`}`,
          message: message.replace(/^tls(\.\w+)?: /, ''),
        });
      }
    }
  }
  for (const [id, spec] of graph.processors) {
    if (typeOf(id) !== 'geoip' || options.databases === false) continue;
    const c = spec.config as { databases?: readonly string[] };
    (c.databases ?? []).forEach((path, i) => {
      try {
        new GeoIpDatabase(path);
      } catch (error) {
        issues.push({
          path: `processors.${id}.databases[${i}]`,
          message: `expected a MaxMind database that loads: ${(error as Error).message.replace(/^geoip: /, '')}`,
        });
      }
    });
  }
  return issues;
}
