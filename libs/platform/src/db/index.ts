export { Prisma, PrismaClient } from './generated/prisma/client';
export type { Role, CloudProvider, CloudEnvironment } from './generated/prisma/enums';
