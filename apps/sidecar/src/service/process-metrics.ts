// Process metrics: prom-client's defaults (CPU, memory, heap, event-loop lag, handles, GC) plus the Collector's
// own process names, so dashboards watching a Collector's memory and CPU work unchanged on the sidecar.
import { collectDefaultMetrics, Gauge, Counter } from 'prom-client';
import type { PrometheusMetrics } from './metrics.ts';

/** Registers the process metrics on `metrics` (once per registry). */
export function registerProcessMetrics(metrics: PrometheusMetrics): void {
  const register = metrics.registry;
  collectDefaultMetrics({ register, eventLoopMonitoringPrecision: 20 });
  const rss = new Gauge({
    name: 'otelcol_process_memory_rss',
    help: 'Resident set size of the process, bytes (the Collector name).',
    registers: [register],
    collect() {
      rss.set(process.memoryUsage.rss());
    },
  });
  const heap = new Gauge({
    name: 'otelcol_process_runtime_heap_alloc_bytes',
    help: 'Bytes of JavaScript heap in use (the Collector name for allocated heap).',
    registers: [register],
    collect() {
      heap.set(process.memoryUsage().heapUsed);
    },
  });
  let cpuSeen = 0;
  const cpu = new Counter({
    name: 'otelcol_process_cpu_seconds_total',
    help: 'CPU time used by the process, user and system, seconds (the Collector name).',
    registers: [register],
    collect() {
      const usage = process.cpuUsage();
      const total = (usage.user + usage.system) / 1e6;
      if (total > cpuSeen) cpu.inc(total - cpuSeen);
      cpuSeen = Math.max(cpuSeen, total);
    },
  });
  let uptimeSeen = 0;
  const uptime = new Counter({
    name: 'otelcol_process_uptime_seconds_total',
    help: 'Seconds since the process started (the Collector name).',
    registers: [register],
    collect() {
      const now = process.uptime();
      if (now > uptimeSeen) uptime.inc(now - uptimeSeen);
      uptimeSeen = Math.max(uptimeSeen, now);
    },
  });
}
