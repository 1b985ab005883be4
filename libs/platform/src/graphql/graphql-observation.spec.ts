import { parse } from 'graphql';
import { graphqlObservationOf, observeExecution, rootFieldsOf } from './graphql-observation';

describe('rootFieldsOf', () => {
  it.each([
    ['one field', '{ me { user { id } } }', undefined, ['me']],
    ['aliases resolve to the schema field, repeats once', '{ a: tenant(id: "1") { id } b: tenant(id: "2") { id } me { user { id } } }', undefined, ['tenant', 'me']],
    ['inline fragments and fragment spreads at the root', 'query { ...Root ... on Query { apiInfo { name } } } fragment Root on Query { me { user { id } } ...Root }', undefined, ['me', 'apiInfo']],
    ['the named operation of several', 'query A { me { user { id } } } mutation B { createTenant(input: { name: "x" }) { id } }', 'B', ['createTenant']],
    ['several operations and no name: none runs', 'query A { me { user { id } } } query B { tenants { id } }', undefined, []],
    ['an unknown operation name', 'query A { me { user { id } } }', 'Z', []],
  ])('%s', (_what, source, name, expected) => {
    expect(rootFieldsOf(parse(source), name).fields).toEqual(expected);
  });
});

describe('observeExecution', () => {
  it('records the operation type, a bounded operation name and the root fields on the request', () => {
    const request = { body: { operationName: 'N'.repeat(300) } };
    observeExecution(parse(`mutation ${'N'.repeat(300)} { createTenant(input: { name: "x" }) { id } }`), request);
    expect(graphqlObservationOf(request)).toEqual({ operationName: 'N'.repeat(100), operationType: 'mutation', rootFields: ['createTenant'], errorCodes: [] });
  });

  it('leaves the name out of an anonymous operation', () => {
    const request = {};
    observeExecution(parse('{ tenants { id } }'), request);
    expect(graphqlObservationOf(request)).toEqual({ operationType: 'query', rootFields: ['tenants'], errorCodes: [] });
  });
});
