# syntax=docker/dockerfile:1
#
# The production image of status-reconciler: `docker build -t status-reconciler .`, then
# `docker run status-reconciler --config-path=... --temporal-address=...` runs `status-reconciler worker`
# with Prow's flags (README, "Deploying"). The operator commands (`status`, `approve`, ...) are in the same
# image: `status-reconciler approve --reason ...` as the command. The GitHub and Kubernetes doubles are not:
# this image compiles src/, workflows/ and activities/ only (tsconfig.prod.json); the doubles of
# docker-compose.yml have their own image, sandbox/Dockerfile.
#
# Why Debian (bookworm-slim) and not Alpine: @temporalio/core-bridge (the Temporal SDK's Rust core) ships its
# native addon prebuilt for linux glibc only (x86_64-unknown-linux-gnu, aarch64-unknown-linux-gnu). On
# Alpine's musl libc the core bridge does not load and the worker cannot start.
#
# Node 20: package.json's engines (>=20.19: require() of the ESM-only Octokit packages). The tag is exact;
# bump it (and the compose file's image of the same build) on purpose, not by accident.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# ---- build: all dependencies, compile TypeScript to dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# What tsconfig.prod.json compiles (`npm run build:prod`): no sandbox/, bench/ or test/.
COPY tsconfig.json tsconfig.prod.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
RUN npm run build:prod

# ---- runtime: production dependencies and the compiled code only ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
# The worker's JavaScript heap cap. Without one, V8 sizes its heap from the host's memory (it does not always
# see a container's limit) and lets garbage grow to gigabytes between collections. A worker's live heap is
# ~110 MB at rest and ~200 MB at its peak with ten times the Kubernetes project's config (bench/scale.ts);
# its whole resident set then peaks at ~510 MB. Raise it for larger configs (NODE_OPTIONS in the
# Deployment).
ENV NODE_OPTIONS=--max-old-space-size=256
# Two malloc arenas instead of glibc's eight per core: the SDK's core threads and libuv's pool each took an
# arena of their own, and their freed memory stayed resident (~40 MB of the peak at ten times the config).
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
# `npm run build` bundled the workflow code into dist/workflows/workflow-bundle.js, which the worker loads
# instead of running webpack at start (faster, ~90 MB less memory).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/workflows ./dist/workflows
COPY --from=build /app/dist/activities ./dist/activities
# The base image's unprivileged `node` user (uid/gid 1000), numeric so Kubernetes' runAsNonRoot can check it.
USER 1000:1000
# --health-port (/healthz, /healthz/ready, /livez), --metrics-port, --temporal-metrics-port.
EXPOSE 8081 9090 9091
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["worker"]
