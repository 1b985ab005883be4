import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { AppError } from '../errors/app-error';
import type { AuditActor } from '../audit/audit-log.service';
import { requestOf } from '../auth/request-of';

/** Who is acting and under which request id: what every change-log entry records. */
export interface Caller {
  actor: AuditActor;
  requestId: string | null;
}

export const CallerOf = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const req = requestOf(context) as (ReturnType<typeof requestOf> & { id?: string }) | undefined;
  if (!req?.user) throw AppError.unauthenticated();
  return { actor: { userId: req.user.id, display: req.user.email }, requestId: typeof req.id === 'string' ? req.id : null };
});
