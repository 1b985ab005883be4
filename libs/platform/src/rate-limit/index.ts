export * from './rate-limit.service';
export * from './rate-limit.guard';
export * from './rate-limit.module';
export * from './ip-rate-limit';
export * from './in-flight-limit';
