import type { IncomingMessage } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  ErrorCode,
  existingGraphQLObservation,
  GRAPHQL_VALIDATION_FAILED,
  type MetricsService,
  setAccessLogFields,
} from '@rampart/platform';

/** The codes the error formatter can produce; anything else is counted as OTHER, so the label set stays bounded. */
const METRIC_CODES = new Set<string>([...Object.values(ErrorCode), GRAPHQL_VALIDATION_FAILED, 'BAD_REQUEST']);

/** What the guards leave on the Fastify request: the user (authentication) and the grant (authorization). */
interface ObservedRequest {
  raw: IncomingMessage;
  user?: { id?: string };
  grant?: { tenantId?: string };
}

/**
 * Who did what, per request: the access log line gets the user, the tenant and the
 * GraphQL operation; the metrics get the operation's root fields and the error codes.
 */
export function observeRequests(app: NestFastifyApplication, metrics: MetricsService): void {
  const fastify = app.getHttpAdapter().getInstance();
  // onSend runs before the response is written, so the fields are in place when pino-http logs it.
  fastify.addHook('onSend', async (req, _reply, payload) => {
    const request = req as unknown as ObservedRequest;
    const graphql = existingGraphQLObservation(request);
    setAccessLogFields(request.raw, {
      ...(request.user?.id ? { userId: request.user.id } : {}),
      ...(request.grant?.tenantId ? { tenantId: request.grant.tenantId } : {}),
      ...(graphql?.operationName ? { operationName: graphql.operationName } : {}),
      ...(graphql?.operationType ? { operationType: graphql.operationType } : {}),
      ...(graphql?.rootFields.length ? { rootFields: graphql.rootFields } : {}),
      ...(graphql?.errorCodes.length ? { errorCodes: graphql.errorCodes } : {}),
    });
    return payload;
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const graphql = existingGraphQLObservation(request);
    if (!graphql) return;
    for (const code of graphql.errorCodes) metrics.graphqlErrors.inc({ code: METRIC_CODES.has(code) ? code : 'OTHER' });
    if (!graphql.operationType) return;
    const outcome = graphql.errorCodes.length > 0 ? 'error' : 'ok';
    for (const field of graphql.rootFields) {
      const labels = { type: graphql.operationType, field };
      metrics.graphqlOperations.inc({ ...labels, outcome });
      metrics.graphqlOperationDuration.observe(labels, reply.elapsedTime / 1000);
    }
  });
}
