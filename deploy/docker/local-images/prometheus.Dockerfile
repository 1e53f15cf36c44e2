# Debian 12's Prometheus (2.42) in place of prom/prometheus:v3, for machines without a registry, with
# the official image's entrypoint and data folder. `promtool check ready` (the compose healthcheck)
# only exists from 2.44: a small wrapper answers it from /-/ready, as the newer promtool does.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus wget >/dev/null \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /prometheus && chown prometheus:prometheus /prometheus
COPY promtool.sh /usr/local/bin/promtool
WORKDIR /prometheus
USER prometheus
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
