export * from './enforcement.module';
export * from './enforcement.service';
