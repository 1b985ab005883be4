import { Field, GraphQLISODateTime, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { Public, RAMPART_VERSION } from '@rampart/platform';

@ObjectType({ description: 'Facts about this Rampart API deployment.' })
export class ApiInfo {
  @Field({ description: 'Product name.' })
  name!: string;

  @Field({ description: 'API version (semantic versioning).' })
  version!: string;

  @Field(() => GraphQLISODateTime, { description: 'Server time when the request was answered.' })
  serverTime!: Date;
}

@Resolver(() => ApiInfo)
export class ApiInfoResolver {
  @Public()
  @Query(() => ApiInfo, { description: 'Facts about this API deployment; needs no authentication.' })
  apiInfo(): ApiInfo {
    return { name: 'Rampart', version: RAMPART_VERSION, serverTime: new Date() };
  }
}
