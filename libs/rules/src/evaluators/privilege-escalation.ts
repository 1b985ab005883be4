import { type EvaluatorFactory, requiredContainerFlag } from './shared';

export const privilegeEscalation: EvaluatorFactory<'privilege-escalation'> = () =>
  requiredContainerFlag('privilege-escalation', 'allowPrivilegeEscalation', false);
