import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { APP_CONFIG } from '../config/config.module';
import { type AppConfig, loadConfig, localIssuerEnabled } from '../config/config';
import { AuthUserService } from './auth-user.service';
import { GqlAuthGuard } from './gql-auth.guard';
import { JwtStrategy, SIGNING_KEYS, TOKEN_EXPECTATIONS, tokenExpectations } from './jwt.strategy';
import { LocalIssuer } from './local-issuer';
import { LocalIssuerController } from './local-issuer.controller';
import { loadOrCreateLocalIssuerKey } from './local-issuer-key';
import { localSigningKeys, oidcSigningKeys } from './signing-keys';

export interface AuthModuleOptions {
  /**
   * Whether to mount the local issuer (POST /auth/dev/token, GET /.well-known/jwks.json).
   * Defaults to what the environment says at the time forRoot() is called: on
   * when no OIDC_ISSUER_URL is set and NODE_ENV is not production.
   */
  localIssuer?: boolean;
}

function mismatch(expected: boolean): Error {
  return new Error(
    `AuthModule.forRoot() was set up ${expected ? 'with' : 'without'} the local issuer, but the configuration ` +
      `(NODE_ENV, OIDC_ISSUER_URL) now says the opposite; set the environment before the module is defined`,
  );
}

/**
 * Bearer-token authentication for the whole application: a global guard
 * (APP_GUARD) that every GraphQL operation and HTTP route passes, @Public()
 * to opt out, @CurrentUser() to read the caller. Needs ConfigModule and DbModule.
 */
@Module({})
export class AuthModule {
  static forRoot(options: AuthModuleOptions = {}): DynamicModule {
    // Controllers must be known when the module is defined, before any provider
    // exists, hence this early read; the providers below check it still holds.
    const local = options.localIssuer ?? localIssuerEnabled(loadConfig());

    const signingKeys: Provider = local
      ? {
          provide: SIGNING_KEYS,
          inject: [APP_CONFIG, LocalIssuer],
          useFactory: (config: AppConfig, issuer: LocalIssuer) => {
            if (!localIssuerEnabled(config)) throw mismatch(true);
            return localSigningKeys(issuer, config.publicUrl);
          },
        }
      : {
          provide: SIGNING_KEYS,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => {
            if (!config.oidcIssuerUrl) throw mismatch(false);
            return oidcSigningKeys(config.oidcIssuerUrl, config.oidcJwksUri);
          },
        };

    const localIssuer: Provider[] = local
      ? [
          {
            provide: LocalIssuer,
            inject: [APP_CONFIG],
            useFactory: async (config: AppConfig) =>
              new LocalIssuer(await loadOrCreateLocalIssuerKey(config.localIssuerKeyFile), config.publicUrl, config.oidcAudience),
          },
        ]
      : [];

    return {
      module: AuthModule,
      // Global so that tenancy can register its invitation binder with AuthUserService.
      global: true,
      controllers: local ? [LocalIssuerController] : [],
      providers: [
        ...localIssuer,
        signingKeys,
        { provide: TOKEN_EXPECTATIONS, inject: [APP_CONFIG], useFactory: tokenExpectations },
        AuthUserService,
        JwtStrategy,
        GqlAuthGuard,
        { provide: APP_GUARD, useExisting: GqlAuthGuard },
      ],
      // LocalIssuer lets tests elsewhere mint tokens without going through HTTP.
      exports: [GqlAuthGuard, JwtStrategy, AuthUserService, ...(local ? [LocalIssuer] : [])],
    };
  }
}
