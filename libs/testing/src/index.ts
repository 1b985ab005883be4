export * from './test-database';
export * from './test-redis';
export * from './test-environment';
export * from './redis-server';
export * from './test-api';
export * from './test-process';
