// Public entry point of @rampart/bundle: scope matching, effective policy, bundle
// compiler and ETag. Pure TypeScript (only @rampart/rules and node built-ins), so the
// API, the worker, the sensor and the benchmarks run it unchanged.

export * from './types';
export { policyFingerprint, type EffectiveRule } from './policy-cache';
export {
  explainScope,
  isSystemNamespace,
  policyAppliesTo,
  policyCoversCluster,
  systemNamespaces,
  type ScopeDecision,
} from './scope';
export {
  effectivePolicy,
  evaluateEffective,
  type EffectivePolicyExplanation,
  type EffectiveRuleExplanation,
  type EffectiveVerdict,
  type EvaluateOptions,
  type PolicyExplanation,
  type Violation,
} from './effective-policy';
export {
  BUNDLE_API_VERSION,
  BUNDLE_KIND,
  bundleEtag,
  compileBundle,
  compileBundleReference,
  createBundleCompiler,
  renderBundlePolicy,
  serializeBundle,
  type BundleCompiler,
  type BundleCompilerOptions,
  type BundleContent,
  type BundlePolicyDocument,
  type CompileBundleOptions,
  type PolicyBundle,
} from './bundle-compiler';
