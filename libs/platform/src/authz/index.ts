export * from './roles';
export * from './authorization-table';
export * from './access.service';
export * from './decide';
export * from './authorization.guard';
export * from './grant.decorator';
export * from './caller.decorator';
export * from './default-policy.port';
