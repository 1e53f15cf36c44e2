# The project's Ollama simulator (dist/ollama-sim) in place of ollama/ollama, which cannot be pulled
# here and whose model could not be downloaded either. It is NOT Ollama: it speaks Ollama's HTTP API
# with deterministic replies and no model. An `ollama` command covers what the compose file runs
# (serve, list, pull, show); OLLAMA_HOST is 0.0.0.0:11434 as in the official image.
ARG NODE_IMAGE
FROM ${NODE_IMAGE}
COPY ollama-sim /opt/ollama-sim
COPY ollama-cli.mjs /usr/local/bin/ollama
ENV OLLAMA_HOST=0.0.0.0:11434
EXPOSE 11434
ENTRYPOINT ["ollama"]
CMD ["serve"]
