import { Logger } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { AppError } from '../errors/app-error';
import { formatGraphQLError } from './error-formatter';

const wrap = (original: Error, path: string[] = ['field']) => new GraphQLError(original.message, { path, originalError: original });
const plain = (error: GraphQLError) => JSON.parse(JSON.stringify(error));

describe('formatGraphQLError', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(true));

  it('drops "Did you mean" suggestions unless told to keep them', () => {
    const error = new GraphQLError('Value "OWNR" does not exist in "Role" enum. Did you mean the enum value "OWNER"?');
    expect(formatGraphQLError(error).message).toBe('Value "OWNR" does not exist in "Role" enum.');
    expect(formatGraphQLError(error, undefined, { hideSuggestions: false }).message).toBe(error.message);
    const several = new GraphQLError('Cannot query field "nam" on type "T". Did you mean "name", "names", or "nameId"?');
    expect(formatGraphQLError(several).message).toBe('Cannot query field "nam" on type "T".');
  });

  it('keeps the extensions of the limit rules and of known codes; anything else becomes GRAPHQL_VALIDATION_FAILED', () => {
    const limit = new GraphQLError('Query has depth 11…', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'GRAPHQL_MAX_DEPTH', measured: 11, maximum: 10 } });
    expect(formatGraphQLError(limit).extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'GRAPHQL_MAX_DEPTH', measured: 11, maximum: 10 });
    const foreign = new GraphQLError('x', { extensions: { code: 'SOMETHING_ELSE', internal: 'detail' } });
    expect(formatGraphQLError(foreign).extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
  });

  it('keeps an AppError’s message, code, field and details', () => {
    const formatted = formatGraphQLError(wrap(AppError.badInput('manifest', 'is not YAML', { line: 3, column: 7 })));
    expect(plain(formatted)).toEqual({ message: 'manifest: is not YAML', path: ['field'], extensions: { line: 3, column: 7, code: 'BAD_USER_INPUT', field: 'manifest' } });
  });

  it('masks anything unexpected and carries only the request id', () => {
    const formatted = formatGraphQLError(wrap(new Error('relation "x" does not exist')), 'req-1');
    expect(plain(formatted)).toEqual({ message: 'Internal server error', path: ['field'], extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-1' } });
  });

  it('keeps the message of a framework 4xx request error as BAD_REQUEST, but masks a framework 5xx', () => {
    const request = Object.assign(new Error('Body is not valid JSON'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 });
    expect(plain(formatGraphQLError(wrap(request)))).toMatchObject({ message: 'Body is not valid JSON', extensions: { code: 'BAD_REQUEST' } });
    const server = Object.assign(new Error('boom'), { code: 'MER_ERR_SOMETHING', statusCode: 500 });
    expect(formatGraphQLError(wrap(server)).message).toBe('Internal server error');
  });
});
