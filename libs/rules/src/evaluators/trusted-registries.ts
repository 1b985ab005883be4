import { compileImageGlob } from '../glob';
import { type EvaluatorFactory, describeList, describeValue, finding, reportStructuralProblems } from './shared';

const RULE = 'trusted-registries';

export const trustedRegistries: EvaluatorFactory<typeof RULE> = (params) => {
  const globs = params.allowedPatterns.map(compileImageGlob);
  const allowedText = describeList(params.allowedPatterns);

  return (doc, out) => {
    const view = doc.workload;
    if (view === undefined) return;
    reportStructuralProblems(RULE, view, out);
    for (const ref of view.containers) {
      const image = ref.container.image;
      if (typeof image === 'string' && image !== '') {
        let trusted = false;
        for (const glob of globs) {
          if (glob.matches(image)) {
            trusted = true;
            break;
          }
        }
        if (trusted) continue;
        out.push(
          finding(
            RULE,
            `${ref.path}.image`,
            `${ref.label}: image ${image} matches no allowed pattern (${allowedText}); use an image from a trusted registry`,
            ref.name,
          ),
        );
        continue;
      }
      // Without an image there is nothing to trust; a controller or mutating webhook might fill in anything.
      out.push(
        finding(
          RULE,
          `${ref.path}.image`,
          `${ref.label}: set image to an image from a trusted registry (it is ${describeValue(image)}; allowed: ${allowedText})`,
          ref.name,
        ),
      );
    }
  };
};
