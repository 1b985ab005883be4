import { type Quantity, compareQuantities, parseQuantity, quantityFromValue } from '../quantity';
import type { Finding } from '../types';
import { type ContainerRef, describeType, isObject } from '../workload';
import { type EvaluatorFactory, describeValue, finding, reportStructuralProblems } from './shared';

const RULE = 'container-resource-limits';

interface Ceiling {
  readonly text: string;
  readonly quantity: Quantity;
}

export const containerResourceLimits: EvaluatorFactory<typeof RULE> = (params) => {
  const maxCpu: Ceiling | undefined =
    params.maxCpu === undefined ? undefined : { text: params.maxCpu, quantity: parseQuantity(params.maxCpu) };
  const maxMemory: Ceiling | undefined =
    params.maxMemory === undefined ? undefined : { text: params.maxMemory, quantity: parseQuantity(params.maxMemory) };

  return (doc, out) => {
    const view = doc.workload;
    if (view === undefined) return;
    // Kubernetes forbids resources on ephemeral containers, so they are not checked.
    reportStructuralProblems(RULE, view, out, false);
    for (const ref of view.containers) {
      if (ref.list === 'ephemeralContainers') continue;
      const resources = ref.container.resources;
      let limits: unknown;
      if (isObject(resources)) limits = resources.limits;
      else if (resources !== undefined && resources !== null) {
        out.push(malformed(ref, 'resources', resources));
        continue;
      }
      if (limits !== undefined && limits !== null && !isObject(limits)) {
        out.push(malformed(ref, 'resources.limits', limits));
        continue;
      }
      const values = limits === undefined || limits === null ? undefined : limits;
      checkLimit(ref, 'cpu', values?.cpu, maxCpu, out);
      checkLimit(ref, 'memory', values?.memory, maxMemory, out);
    }
  };
};

function malformed(ref: ContainerRef, field: string, value: unknown): Finding {
  return finding(
    RULE,
    `${ref.path}.${field}`,
    `${ref.label}: ${field} must be an object but is ${describeType(value)}; set resources.limits.cpu and resources.limits.memory`,
    ref.name,
  );
}

function checkLimit(
  ref: ContainerRef,
  resource: 'cpu' | 'memory',
  value: unknown,
  ceiling: Ceiling | undefined,
  out: Finding[],
): void {
  const path = `${ref.path}.resources.limits.${resource}`;
  const atMost = ceiling === undefined ? '' : ` (at most ${ceiling.text})`;
  if (value === undefined || value === null) {
    out.push(finding(RULE, path, `${ref.label}: set resources.limits.${resource}${atMost}`, ref.name));
    return;
  }
  const quantity = quantityFromValue(value);
  if (quantity === undefined) {
    out.push(
      finding(
        RULE,
        path,
        `${ref.label}: resources.limits.${resource} ${describeValue(value)} is not a Kubernetes quantity; set it to a quantity such as ${resource === 'cpu' ? '"500m"' : '"512Mi"'}${atMost}`,
        ref.name,
      ),
    );
    return;
  }
  if (ceiling !== undefined && compareQuantities(quantity, ceiling.quantity) > 0) {
    out.push(
      finding(
        RULE,
        path,
        `${ref.label}: resources.limits.${resource} ${String(value)} exceeds the maximum ${ceiling.text}; lower it to ${ceiling.text} or less`,
        ref.name,
      ),
    );
  }
}
