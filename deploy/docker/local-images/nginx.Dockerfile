# Debian 12's nginx (1.22) in place of the official nginx image, for machines without a registry
# (the example stage examples/stage-nginx uses it through NGINX_IMAGE): the same config path, stop
# signal and foreground command as the official image.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default \
 && ln -sf /dev/stdout /var/log/nginx/access.log \
 && ln -sf /dev/stderr /var/log/nginx/error.log \
 && mkdir -p /etc/nginx/conf.d
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
