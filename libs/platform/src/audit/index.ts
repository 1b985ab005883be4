export * from './audit-chain';
export * from './audit-checkpoint';
export * from './audit-checkpoint.service';
export * from './audit-log.service';
export * from './audit-signing-key';
export * from './audit.module';
