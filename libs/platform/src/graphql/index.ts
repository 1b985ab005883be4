export * from './connection';
export * from './error-formatter';
