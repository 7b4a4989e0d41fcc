# gz-halo-relay: multi-stage build. docs/deployment.md explains how to run it.
#
#   docker build -t gz-halo-relay .
#   docker run -p 3000:3000 -v relay-data:/app/data --env-file .env gz-halo-relay
#
# better-sqlite3 (the embedded default store) is a native addon: when no prebuilt binary can be
# fetched it compiles from source, so the stages that run `npm ci` carry python3, make and g++.
# The runtime stage has none of them, and no dev dependencies.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./

# Production dependencies only, native addons compiled here.
FROM toolchain AS deps
RUN npm ci --omit=dev --no-audit --no-fund

# Everything, to compile TypeScript (tsconfig.build.json → dist/src/main.js).
FROM toolchain AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY projections ./projections
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --chown=node:node package.json ./
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# `npm start` goes through the launcher (it runs dist/src/main.js, as CMD does directly).
COPY --chown=node:node bin ./bin
# The dashboard's static files are not compiled; they sit next to the compiled server code.
COPY --chown=node:node src/web ./dist/src/web
# The embedded default store, EVENT_STORE_URL=sqlite:./data/relay.db, lives in this volume.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 3000
# Slim images have no curl: ask /health with Node's own fetch.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
