# syntax=docker/dockerfile:1
#
# Chat server image (default target `runtime`) and load-generator image (target `loadgen`).
#   docker build -t chat-scale-bench .
#   docker build --target loadgen -t chat-scale-bench-loadgen .
# test/deploy/dockerfile.test.ts replays the RUN, COPY and CMD lines below as plain commands,
# so keep each RUN a plain shell command (BuildKit --mount flags are fine).

ARG NODE_IMAGE=node:24-bookworm-slim

# Build: all dependencies, TypeScript compiled to dist/.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependency install scripts stay off (--ignore-scripts): package.json's allowScripts denies
# every one of them, and older npm releases that ignore allowScripts would otherwise run them,
# including a Playwright postinstall that downloads a browser.
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-fund --no-audit
COPY . .
RUN npm run build

# Runtime: production dependencies and the compiled server, run as the unprivileged `node` user.
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
    PORT=3000
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-fund --no-audit
COPY --from=build /app/dist ./dist
COPY server/page ./server/page
USER node
EXPOSE 3000
# The server drains on SIGTERM for CHAT_SHUTDOWN_GRACE_MS; stack.yml's stop_grace_period is
# longer, so Docker does not SIGKILL a replica that is still draining.
STOPSIGNAL SIGTERM
# The slim image has no curl, so Node's fetch probes the server.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT ?? 3000) + '/healthz', { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server/src/main.js"]

# Load generator: the loadtest sources (run as TypeScript), its scenarios and Artillery from the
# production dependencies. Run folders go to /app/reports, a volume in stack.yml.
FROM runtime AS loadgen
USER root
COPY server/src ./server/src
COPY loadtest ./loadtest
RUN mkdir -p /app/reports && chown node:node /app/reports
USER node
HEALTHCHECK NONE
ENTRYPOINT ["node", "loadtest/src/cli/main.ts"]
CMD ["--help"]
