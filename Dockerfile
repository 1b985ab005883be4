# One image for the API, the worker and the migration step (see docker-compose.yml).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# Dev dependencies are needed at run time: @swc-node/register compiles the
# TypeScript sources (decorator metadata included) as they load, and the Prisma CLI migrates.
RUN npm ci --include=dev --no-audit --no-fund
COPY . .
RUN node node_modules/prisma/build/index.js generate
USER node
EXPOSE 3000
CMD ["node", "--require", "@swc-node/register", "apps/api/src/main.ts"]
