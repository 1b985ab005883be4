import { describeType, isArray, isObject } from '../workload';
import { type EvaluatorFactory, finding } from './shared';

const RULE = 'ingress-https';

export const ingressHttps: EvaluatorFactory<typeof RULE> = () => (doc, out) => {
  if (!doc.ingress) return;
  const spec = doc.manifest.spec;
  const tls = isObject(spec) ? spec.tls : undefined;
  if (tls !== undefined && tls !== null && !isArray(tls)) {
    out.push(finding(RULE, 'spec.tls', `spec.tls must be a list but is ${describeType(tls)}; list a TLS entry for every host`));
    return;
  }
  if (!isArray(tls) || tls.length === 0) {
    out.push(finding(RULE, 'spec.tls', 'add spec.tls with a TLS entry whose hosts cover every host of the Ingress'));
    return;
  }

  const covered = new Set<string>();
  for (let i = 0; i < tls.length; i++) {
    const entry: unknown = tls[i];
    if (!isObject(entry)) {
      out.push(finding(RULE, `spec.tls[${i}]`, `spec.tls[${i}] must be an object but is ${describeType(entry)}`));
      continue;
    }
    const hosts = entry.hosts;
    // Kubernetes: a TLS entry without hosts applies to the controller's default (wildcard) host.
    if (hosts === undefined || hosts === null || (isArray(hosts) && hosts.length === 0)) return;
    if (!isArray(hosts)) {
      out.push(finding(RULE, `spec.tls[${i}].hosts`, `spec.tls[${i}].hosts must be a list but is ${describeType(hosts)}`));
      continue;
    }
    for (const host of hosts) if (typeof host === 'string') covered.add(host);
  }

  const rules = isObject(spec) ? spec.rules : undefined;
  if (rules === undefined || rules === null) return;
  if (!isArray(rules)) {
    out.push(finding(RULE, 'spec.rules', `spec.rules must be a list but is ${describeType(rules)}; fix it so its hosts can be checked`));
    return;
  }
  for (let i = 0; i < rules.length; i++) {
    const rule: unknown = rules[i];
    if (!isObject(rule)) {
      out.push(finding(RULE, `spec.rules[${i}]`, `spec.rules[${i}] must be an object but is ${describeType(rule)}`));
      continue;
    }
    const host = rule.host;
    // A rule without a host serves every host, and any TLS entry covers it.
    // (An unreadable tls entry has already been reported, so the document fails regardless.)
    if (host === undefined || host === null || host === '') continue;
    if (typeof host === 'string' && covered.has(host)) continue;
    const shown = typeof host === 'string' ? host : JSON.stringify(host);
    out.push(
      finding(RULE, `spec.rules[${i}].host`, `host ${shown} is not covered by spec.tls; add it to the hosts of a spec.tls entry`),
    );
  }
};
