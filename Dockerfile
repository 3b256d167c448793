# syntax=docker/dockerfile:1
# volley's container image: the CLI with the dashboard built in. One image serves every role in
# deploy/kubernetes/ (agent, controller Job, server); the first argument picks the command.
#
#   docker build -t volley:latest .
#   docker run --rm volley:latest run --url http://host.docker.internal:8117/ --rate 100 -d 10s
#   docker run --rm volley:latest agent --nats nats://nats:4222 --workers auto

# --- build: compile TypeScript and the dashboard, then drop the dev dependencies -------------------
FROM node:20-bookworm-slim AS build
# better-sqlite3 is a native addon: when no prebuilt binary can be downloaded it compiles from source.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the root "prepare" script builds, and the sources are not copied yet (this keeps
# the dependency layer cached across source changes). The two packages with install scripts that
# volley needs at run time are rebuilt explicitly.
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3 esbuild
COPY . .
RUN npm run build && npm prune --omit=dev

# --- runtime: the built CLI, its production dependencies, nothing else -----------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
  HOME=/tmp
WORKDIR /app
# A fixed numeric uid so Kubernetes' runAsNonRoot can verify it without resolving a user name.
RUN groupadd --system --gid 10001 volley \
  && useradd --system --uid 10001 --gid 10001 --home-dir /tmp --shell /usr/sbin/nologin volley
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist/src ./dist/src
# The dashboard that `volley serve` serves at / (src/cli/serve-command.ts reads dist/web).
COPY --from=build --chown=root:root /app/dist/web ./dist/web
# proto/ for the gRPC demo target and the examples `volley demo` runs.
COPY --from=build --chown=root:root /app/proto ./proto
COPY --from=build --chown=root:root /app/examples ./examples
USER 10001:10001
# `volley serve` listens on 8089 unless --port says otherwise.
EXPOSE 8089
ENTRYPOINT ["node", "/app/dist/src/cli/main.js"]
CMD ["--help"]
