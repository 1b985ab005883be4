import { Global, Module } from '@nestjs/common';
import { AuditLogService } from './audit-log.service';
import { OutboxService } from '../outbox/outbox.service';

@Global()
/** The two things every change writes in its own transaction: a change-log entry and, when it must reach sensors, an outbox row. */
@Module({ providers: [AuditLogService, OutboxService], exports: [AuditLogService, OutboxService] })
export class AuditModule {}
