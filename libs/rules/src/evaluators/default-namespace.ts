import { isObject } from '../workload';
import { type EvaluatorFactory, describeValue, finding } from './shared';

const RULE = 'default-namespace';

export const defaultNamespace: EvaluatorFactory<typeof RULE> = () => (doc, out) => {
  if (doc.workload === undefined) return;
  const metadata = doc.manifest.metadata;
  const namespace = isObject(metadata) ? metadata.namespace : undefined;
  if (typeof namespace === 'string' && namespace !== '' && namespace !== 'default') return;
  const current =
    namespace === undefined || namespace === null
      ? 'it is unset, which means default'
      : namespace === ''
        ? 'it is empty, which means default'
        : namespace === 'default'
        ? 'it is default'
        : `it is ${describeValue(namespace)}`;
  out.push(
    finding(RULE, 'metadata.namespace', `set metadata.namespace to a dedicated namespace, not default (${current})`),
  );
};
