export * from './policies.module';
export * from './policies.service';
export * from './policy-input';
export * from './graphql/policies.models';
export * from './graphql/policy-action.enum';
export * from './policies.repository';
