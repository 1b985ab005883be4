import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC_KEY = 'rampart:auth:public';

/** Lets a GraphQL operation, resolver class, controller or route through the global auth guard without a token. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);
