# Debian 12's Prometheus (2.42) in place of prom/prometheus:v3, for machines without a registry, with
# the official image's entrypoint and data folder. Only the two binaries are taken from the package:
# its dependencies are JavaScript libraries for the old console templates (over 200 MB), which the
# web UI built into the binary does not use. `promtool check ready` (the compose healthcheck) only
# exists from 2.44: a small wrapper answers it from /-/ready, as the newer promtool does.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wget >/dev/null \
 && cd /tmp && apt-get download -qq prometheus \
 && dpkg-deb -x prometheus_*.deb /tmp/prometheus \
 && install -m 0755 /tmp/prometheus/usr/bin/prometheus /tmp/prometheus/usr/bin/promtool /usr/bin/ \
 && rm -rf /tmp/prometheus /tmp/prometheus_*.deb /var/lib/apt/lists/* \
 && useradd --system --home-dir /prometheus --shell /usr/sbin/nologin prometheus \
 && mkdir -p /prometheus /etc/prometheus && chown prometheus:prometheus /prometheus \
 && prometheus --version
COPY promtool.sh /usr/local/bin/promtool
WORKDIR /prometheus
USER prometheus
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
