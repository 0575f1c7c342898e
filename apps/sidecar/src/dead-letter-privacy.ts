// What the dead-letter store writes when a `privacy` processor is configured. A record that parsed and was
// rejected later (by the mapping, an exporter, the backend) reaches the store after the privacy processor: its line
// is the record after privacy (the processor rewrote it), with the reason and the position of the raw line. A line
// that never parsed never met the privacy processor, so the store gives it the text-level pass of every privacy
// policy in use (IP addresses truncated or hashed by the same rule, values of dropped keys such as `Cookies`
// replaced). A privacy processor with `dead_letter: raw` opts out: its entries keep the line as read for exact
// replay, and it adds no text pass. Every reason is also cleaned of secrets and URL credentials. The sidecar's own
// log gets the same text pass (it repeats the reasons).
import { PrivacyRules, scrubText } from '@logpush-otel/enrichment';
import type { PrivacyConfig } from '@logpush-otel/enrichment';
import type { DeadLetter, ServiceGraph } from '@logpush-otel/pipeline';
import { redactText } from './config/redact.ts';

/** The privacy rules (one per privacy processor in use without `dead_letter: raw`) dead letters are scrubbed by. */
export function deadLetterPrivacyRules(graph: ServiceGraph): PrivacyRules[] {
  const used = new Set(graph.pipelines.flatMap((p) => p.processors));
  const rules: PrivacyRules[] = [];
  for (const [id, spec] of graph.processors) {
    if (spec.type !== 'privacy' || !used.has(id)) continue;
    const policy = (spec.config as PrivacyConfig | undefined)?.policy;
    if (policy === undefined || policy.deadLetter === 'raw') continue;
    rules.push(new PrivacyRules(policy));
  }
  return rules;
}

/**
 * The privacy text pass of {@link deadLetterPrivacyRules} for the sidecar's own log (a backend's error message may
 * quote a record); undefined when there is none. URL hosts (the backend) and listen addresses are kept.
 */
export function logPrivacyScrub(graph: ServiceGraph): ((text: string, key: string) => string) | undefined {
  const rules = deadLetterPrivacyRules(graph);
  if (rules.length === 0) return undefined;
  return (text, key) => {
    if (key === 'address' || key === 'telemetry') return text;
    let out = text;
    for (const r of rules) out = scrubText(r, out, { keepUrlHosts: true });
    return out;
  };
}

/**
 * The letter transform of the dead-letter store for `graph`: the text-level privacy pass of every policy from
 * {@link deadLetterPrivacyRules} over the line and the reason (a backend may quote a record in its error; the host
 * of a URL in a reason is the backend's address and is kept), then secrets out of the reason.
 */
export function deadLetterTransform(graph: ServiceGraph): (letter: DeadLetter) => DeadLetter {
  const rules = deadLetterPrivacyRules(graph);
  return (letter) => {
    let raw = letter.raw;
    let reason = letter.reason;
    for (const r of rules) {
      raw = scrubText(r, raw);
      reason = scrubText(r, reason, { keepUrlHosts: true });
    }
    return { ...letter, raw, reason: redactText(reason) };
  };
}
