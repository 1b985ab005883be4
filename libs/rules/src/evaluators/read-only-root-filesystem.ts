import { type EvaluatorFactory, requiredContainerFlag } from './shared';

export const readOnlyRootFilesystem: EvaluatorFactory<'read-only-root-filesystem'> = () =>
  requiredContainerFlag('read-only-root-filesystem', 'readOnlyRootFilesystem', true, '; mount an emptyDir where the container must write');
