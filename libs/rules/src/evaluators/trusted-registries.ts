import { MAX_IMAGE_REFERENCE_LENGTH, compileImageGlob } from '../glob';
import { type EvaluatorFactory, describeList, describeValue, finding, reportStructuralProblems } from './shared';

const RULE = 'trusted-registries';

function codePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

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
        // Characters as CEL's size() counts them (code points), so both engines cut at the same image.
        if (image.length > MAX_IMAGE_REFERENCE_LENGTH && codePoints(image) > MAX_IMAGE_REFERENCE_LENGTH) {
          out.push(
            finding(
              RULE,
              `${ref.path}.image`,
              `${ref.label}: image reference too long to check (more than ${MAX_IMAGE_REFERENCE_LENGTH} characters); use an image from a trusted registry`,
              ref.name,
            ),
          );
          continue;
        }
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
