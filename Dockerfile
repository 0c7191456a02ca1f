# fedlink: coordinator, edge client daemon and CLI in one image.
#
#   docker build -t fedlink .
#   docker run --rm -v fedlink-state:/var/lib/fedlink fedlink pki init --dir /var/lib/fedlink/pki --host coord.example.org,127.0.0.1
#   docker run -d -p 50051:50051 -v fedlink-state:/var/lib/fedlink -e FEDLINK_PKI=/var/lib/fedlink/pki fedlink
#
# The default command serves mutual TLS on 0.0.0.0 and refuses plaintext there
# (exit 2, one line): give it a PKI through FEDLINK_PKI, which the HEALTHCHECK
# reads too (keep 127.0.0.1 among the certificate's --host names so the check
# can verify it), or pass `coordinator --host 0.0.0.0 --insecure ...` on a
# private network (infra/compose/compose.yaml).
#
# Without a registry (CI here), build a local base first and point at it:
#   infra/docker/build-local-base.sh
#   docker build --network host --build-arg BASE_IMAGE=fedlink/node-base:20-bookworm-slim -t fedlink .
# (--network host: an engine started with --iptables=false gives bridge
# containers no route to the npm registry.)
#
# `coordinator --http-port 8080` adds the read-only web dashboard (docs/dashboard.md):
# publish that port too. Its page ships in dist/dashboard (bin/build.mjs), uPlot in
# node_modules.
#
# WITH_TFJS_NODE=true adds @tensorflow/tfjs-node (native TensorFlow, faster
# training) on hosts whose build can download libtensorflow.
ARG BASE_IMAGE=node:20-bookworm-slim

# Build: dev dependencies, esbuild, dist/.
FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

# Production dependencies only, without what Node never loads.
FROM ${BASE_IMAGE} AS prod-deps
ARG WITH_TFJS_NODE=false
WORKDIR /app
COPY package.json package-lock.json ./
COPY infra/docker/prune-node-modules.sh /usr/local/lib/fedlink/
RUN if [ "$WITH_TFJS_NODE" = true ]; then \
      npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm rebuild @tensorflow/tfjs-node; \
    else \
      npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund; \
    fi \
 && sh /usr/local/lib/fedlink/prune-node-modules.sh node_modules \
 && rm -rf /root/.npm

FROM ${BASE_IMAGE}
# Settings first and the layers that change last: a source change rebuilds only
# the COPY layers and the LABEL.
# A fixed uid, so a volume's owner is the same in every container and on the host.
RUN groupadd --system --gid 10001 fedlink \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/fedlink --no-create-home --shell /usr/sbin/nologin fedlink \
 && mkdir -p /var/lib/fedlink && chown 10001:10001 /var/lib/fedlink \
 && ln -s /app/bin/fedlink.mjs /usr/local/bin/fedlink
# Declared early, used only by the LABEL at the end: a new revision misses the
# cache there (an ARG's first use), not at these steps.
ARG BASE_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
WORKDIR /app
ENV NODE_ENV=production
USER 10001:10001
VOLUME ["/var/lib/fedlink"]
EXPOSE 50051
# Node is PID 1 here and the coordinator and daemon handle SIGTERM themselves
# (drain, then exit 0), so no init process is needed.
STOPSIGNAL SIGTERM
# Docker 20.10 has no --start-interval: the first probe comes one interval after start.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["fedlink", "health", "--coordinator", "127.0.0.1:50051", "--timeout", "3s"]
ENTRYPOINT ["fedlink"]
CMD ["coordinator", "--host", "0.0.0.0", "--state-dir", "/var/lib/fedlink"]
# Owned by root, whatever USER says: the code is read-only to the service.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /src/bin/fedlink.mjs ./bin/
COPY --from=build /src/dist ./dist
COPY --from=build /src/proto/fedlink ./proto/fedlink
LABEL org.opencontainers.image.title="fedlink" \
      org.opencontainers.image.description="Link-aware federated learning: coordinator, edge client daemon and CLI over gRPC, TFJS training" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="${BASE_IMAGE}"
