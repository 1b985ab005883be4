import { registerEnumType } from '@nestjs/graphql';

/** What a policy does when one of its rules fails; also shown by enforcement (effective policies, violations), which imports it from here. */
export enum PolicyActionEnum {
  AUDIT = 'AUDIT',
  BLOCK = 'BLOCK',
}
registerEnumType(PolicyActionEnum, {
  name: 'PolicyAction',
  description: 'What a policy does when one of its enabled rules fails.',
  valuesMap: {
    AUDIT: { description: 'Admit the request and record the violation.' },
    BLOCK: { description: 'Deny the request (and record the violation).' },
  },
});
