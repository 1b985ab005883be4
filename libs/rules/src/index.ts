// Public entry point of @rampart/rules; other projects import only from here.

export * from './types';
export * from './catalog';
export * from './parameter-checks';
export * from './quantity';
export * from './glob';
export * from './workload';
export * from './evaluate';

// The CEL rendering for ValidatingAdmissionPolicy; its test harness (cel/cel-runtime)
// stays out of the public surface because it pulls in @bufbuild/cel.
export * from './cel';
