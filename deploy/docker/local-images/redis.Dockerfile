# Debian 12's Redis (7.0) in place of redis:7.4-alpine, for machines without a registry. Started with
# no config file, Debian's redis-server keeps protected mode on and refuses the api containers; the
# official image turns it off at build time, so this image does too (a wrapper, not a compose change).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown redis:redis /data
COPY redis-server.sh /usr/local/bin/redis-server
WORKDIR /data
USER redis
EXPOSE 6379
CMD ["redis-server"]
