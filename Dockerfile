# The Josef broker image that docker-compose.yml runs three of. The build stage compiles the
# TypeScript with the dev dependencies; the final image holds only the compiled code, the
# production dependencies, bin/josef (on PATH) and the sample config. Settings come from JOSEF_*
# environment variables named after Kafka's (JOSEF_BROKER_ID, JOSEF_ZOOKEEPER_CONNECT, ...).
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: `prepare` would build before the sources are here (the build runs below),
# and msgpackr falls back to JavaScript when its optional native extension is absent.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    PATH=/app/bin:$PATH \
    JOSEF_LOG_DIRS=/var/lib/josef/data
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY config ./config
# The log dir belongs to the unprivileged user the broker runs as; a named volume mounted there
# starts as a copy of it, ownership included.
RUN mkdir -p /var/lib/josef/data && chown -R node:node /var/lib/josef
USER node
VOLUME ["/var/lib/josef"]
EXPOSE 9092
# The broker handles SIGTERM (`docker stop`) with a controlled shutdown, even as PID 1. The node
# options are the broker's heap settings, as `josef cluster up` gives it (src/local/broker-node-options.ts).
CMD ["node", "--initial-old-space-size=64", "--max-semi-space-size=32", "/app/bin/josef", "broker", "start"]
