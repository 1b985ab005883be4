import { describeType, isArray, isObject } from '../workload';
import { type EvaluatorFactory, containerSecurityContext, describeList, finding, reportStructuralProblems } from './shared';

const RULE = 'capabilities';

export const capabilities: EvaluatorFactory<typeof RULE> = (params) => {
  const allowed = new Set(params.allowedCapabilities);
  const allowedText = describeList(params.allowedCapabilities);
  const requireDropAll = params.requireDropAll;

  return (doc, out) => {
    const view = doc.workload;
    // Kubernetes rejects capabilities on Windows pods, so they cannot comply.
    if (view === undefined || view.windows) return;
    reportStructuralProblems(RULE, view, out);
    for (const ref of view.containers) {
      const sc = containerSecurityContext(RULE, ref, out);
      if (sc === null) continue;
      const caps = sc?.capabilities;
      const capsPath = `${ref.path}.securityContext.capabilities`;
      if (caps !== undefined && caps !== null && !isObject(caps)) {
        out.push(
          finding(
            RULE,
            capsPath,
            `${ref.label}: securityContext.capabilities must be an object but is ${describeType(caps)}; fix it so the capabilities can be checked`,
            ref.name,
          ),
        );
        continue;
      }

      const add = isObject(caps) ? caps.add : undefined;
      if (isArray(add)) {
        for (let i = 0; i < add.length; i++) {
          const name: unknown = add[i];
          // Names match exactly, as Kubernetes passes them to the runtime: no CAP_ prefix stripping, no case folding.
          if (typeof name === 'string' && allowed.has(name)) continue;
          const shown = typeof name === 'string' ? name : JSON.stringify(name);
          out.push(
            finding(
              RULE,
              `${capsPath}.add[${i}]`,
              `${ref.label}: remove capability ${shown} from securityContext.capabilities.add (allowed: ${allowedText})`,
              ref.name,
            ),
          );
        }
      } else if (add !== undefined && add !== null) {
        out.push(
          finding(
            RULE,
            `${capsPath}.add`,
            `${ref.label}: securityContext.capabilities.add must be a list but is ${describeType(add)}; list only allowed capabilities (allowed: ${allowedText})`,
            ref.name,
          ),
        );
      }

      if (!requireDropAll) continue;
      const drop = isObject(caps) ? caps.drop : undefined;
      if (isArray(drop) && drop.includes('ALL')) continue;
      out.push(
        finding(
          RULE,
          `${capsPath}.drop`,
          `${ref.label}: add ALL to securityContext.capabilities.drop`,
          ref.name,
        ),
      );
    }
  };
};
