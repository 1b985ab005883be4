export * from './tenancy.module';
export * from './tenancy.service';
export * from './graphql/tenancy.models';
