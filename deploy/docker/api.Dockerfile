# The chat API of the reference stage, built from the repository root (the compose file sets the
# context to ../..). Two stages: the first installs the locked dependencies and bundles
# src/api/main.ts with ncc (the same bundler as dist/api); the second holds only node and the bundle,
# and runs it as the unprivileged `node` user.

ARG NODE_IMAGE=node:24.19.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# Behind a TLS-intercepting proxy, npm needs the proxy's CA: EXTRA_CA_CERTS names a PEM file inside the
# build context (default: one with no certificate, which changes nothing). Only this stage sees it.
ARG EXTRA_CA_CERTS=deploy/docker/no-extra-ca-certs.pem
COPY ${EXTRA_CA_CERTS} /tmp/extra-ca-certs.pem
COPY package.json package-lock.json ./
RUN if grep -q 'BEGIN CERTIFICATE' /tmp/extra-ca-certs.pem; then export NODE_EXTRA_CA_CERTS=/tmp/extra-ca-certs.pem; fi \
 && npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json ./
COPY src ./src
RUN npx ncc build src/api/main.ts -o /out/api --quiet --license licenses.txt

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    PORT=8080
WORKDIR /app
# Owned by root and read-only for the runtime user: the process cannot rewrite its own code.
COPY --from=build /out/api ./
USER node
EXPOSE 8080
# Same probe as the compose healthcheck, for `docker run` outside compose.
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz',{signal:AbortSignal.timeout(2000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "index.js"]
