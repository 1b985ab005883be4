export * from './audit-chain';
export * from './audit-log.service';
export * from './audit.module';
