export * from './connection';
export * from './error-formatter';
export * from './graphql-limits';
export * from './shared-enums';
export * from './request-loader';
export * from './graphql.module';
export * from './graphql-observation';
export * from './graphql-exception.filter';
