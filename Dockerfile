# syntax=docker/dockerfile:1
# Two stages, one image per stage (see docker-compose.yml):
#   build   — every dependency, the Prisma client generated, TypeScript compiled to dist/
#             by `npm run build`; it also has the Prisma CLI, so it runs the migrations.
#   runtime — production dependencies, the compiled JavaScript and the migrations, as a
#             non-root user: the API (default command) and the worker.
# Node 20.19+ (tested on 20.20).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No dependency install scripts, exactly like the machines the project is tested on
# (npm 11 runs none that are not allowed): packages with native parts ship them prebuilt.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# Generates the Prisma client (libs/platform/src/db/generated), then compiles every
# non-test .ts of apps/ and libs/ to dist/ with SWC (decorator metadata, aliases resolved).
# `COPY . .` brought the lock file back: the touch marks the install as current, so
# scripts/prepare.mjs (the migrate service) does not try to reinstall.
RUN npm run build && touch node_modules/.package-lock.json
USER node

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY prisma ./prisma
# The local development issuer keeps its key here (a volume in docker-compose.yml); the
# directory belongs to the runtime user so a fresh volume is writable by it.
RUN mkdir -p /app/.rampart && chown node:node /app/.rampart
USER node
# API on PORT (3000); the worker's probes and metrics on WORKER_PORT (3001).
EXPOSE 3000 3001
CMD ["node", "--enable-source-maps", "dist/apps/api/src/main.js"]
