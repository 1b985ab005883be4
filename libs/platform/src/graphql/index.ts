export * from './connection';
export * from './error-formatter';
export * from './graphql-limits';
export * from './request-loader';
export * from './graphql.module';
export * from './argument-check';
export * from './graphql-observation';
export * from './graphql-exception.filter';
