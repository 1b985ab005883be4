// CEL / ValidatingAdmissionPolicy rendering of the rule catalog. The harness
// (cel-runtime.ts) is deliberately not exported: it is for tests and benchmarks,
// which import it by path, and it pulls in @bufbuild/cel.
export {
  renderAdmissionPolicy,
  admissionNamespaceSelector,
  admissionPolicyObjectName,
  DEFAULT_SENSOR_NAMESPACE,
  PRE_EXISTING_NAME_SUFFIX,
  KUBERNETES_SYSTEM_NAMESPACES,
  NAMESPACE_NAME_LABEL,
  type AdmissionAction,
  type AdmissionPolicyInput,
  type AdmissionPolicyRender,
  type AdmissionRenderOptions,
  type ValidatingAdmissionPolicy,
  type ValidatingAdmissionPolicyBinding,
} from './admission';
export {
  renderCelRule,
  CEL_VARIABLES,
  CEL_OLD_OBJECT_VARIABLES,
  NEW_OBJECT,
  OLD_OBJECT,
  type CelSubject,
  CEL_WORKLOAD_KINDS,
  CEL_TEMPLATE_KINDS,
  type CelRuleRendering,
  type CelValidation,
  type CelVariable,
} from './rule-expressions';
export { globToCelRegex, globsToCelRegex } from './glob-regex';
export { renderUpdateAwareRules, PRE_EXISTING_MESSAGE_TAG, type CelRuleInput, type UpdateAwareRendering } from './update-rendering';
