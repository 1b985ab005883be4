import { Module } from '@nestjs/common';
import { EnforcementCompute } from './compute/enforcement-compute.service';
import { EnforcementRepository } from './enforcement.repository';
import { EnforcementService } from './enforcement.service';
import { EnforcementResolver } from './graphql/enforcement.resolver';

/** Effective policy, dry-run evaluation and bundles of a cluster (all reads). */
@Module({ providers: [EnforcementCompute, EnforcementRepository, EnforcementService, EnforcementResolver], exports: [EnforcementService] })
export class EnforcementModule {}
