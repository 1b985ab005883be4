export * from './enforcement.module';
export * from './enforcement.service';
export * from './compute/enforcement-compute.service';
