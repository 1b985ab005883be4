export * from './inventory.module';
export * from './default-policy.port';
export * from './cloud-scope.service';
export * from './cluster.service';
export * from './enforceability';
export * from './sensor-token';
export * from './inventory.repository';
export * from './graphql/inventory.models';
