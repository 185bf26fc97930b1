# syntax=docker/dockerfile:1.7
#
# A Caucus portal image: nginx serving one Leptos SPA (admin-ui or client-ui)
# and proxying /graphql, /graphql/ws and /healthz to the API.
#
#   docker build -f deploy/portals.Dockerfile --build-arg PORTAL=admin  -t caucus-admin  .
#   docker build -f deploy/portals.Dockerfile --build-arg PORTAL=client -t caucus-client .
#
# The builder stage builds BOTH portals (sequentially: the two apps share
# target/wasm-bindgen, so two Trunk builds must never run at once); the two
# images differ only in the dist they copy, so the second build is a cache hit.
# Tool versions follow shared FRONTEND-BUILD.md: Rust 1.95, Trunk 0.21.14,
# wasm-bindgen-cli equal to the wasm-bindgen in Cargo.lock (0.2.130), and
# wasm-opt from the npm package binaryen 132 (never Debian's binaryen).
# Needs BuildKit (the default builder of current Docker) for the cache mounts.

# Node 20, taken from the official image rather than Debian's older package.
FROM node:20-bookworm-slim AS node

# ---------------------------------------------------------------------------
FROM rust:1.95-bookworm AS builder

COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version

# Build tools, in their own layers so a source change does not rebuild them
# (Trunk takes ~13 minutes to compile on two cores). wasm-bindgen-cli is
# installed without --locked: its own lock file wants a crate version the
# registry lacks.
RUN --mount=type=cache,id=caucus-cargo-registry,target=/usr/local/cargo/registry,sharing=locked \
    cargo install trunk --version 0.21.14 --locked
RUN --mount=type=cache,id=caucus-cargo-registry,target=/usr/local/cargo/registry,sharing=locked \
    cargo install wasm-bindgen-cli --version 0.2.130

WORKDIR /src

# The repository's pinned toolchain (rust-toolchain.toml) and the wasm target.
COPY rust-toolchain.toml ./
RUN rustup toolchain install \
 && rustup target add wasm32-unknown-unknown \
 && rustc --version

# wasm-opt (npm binaryen) and the other pinned npm tools.
COPY package.json package-lock.json ./
RUN --mount=type=cache,id=caucus-npm,target=/root/.npm \
    npm ci --no-audit --no-fund

COPY . .

# Trunk finds wasm-opt in node_modules/.bin and wasm-bindgen in cargo's bin.
# TRUNK_SKIP_VERSION_CHECK: Trunk otherwise asks the network for a newer
# version of itself even with offline = true. offline = true makes Trunk pass
# --offline to cargo, hence the `cargo fetch` first.
ENV PATH=/src/node_modules/.bin:${PATH} \
    TRUNK_SKIP_VERSION_CHECK=true

RUN --mount=type=cache,id=caucus-cargo-registry,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,id=caucus-cargo-git,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,id=caucus-target-portals,target=/src/target,sharing=locked \
    cargo fetch --locked \
 && (cd admin-ui && trunk build --release) \
 && (cd client-ui && trunk build --release) \
 && mkdir -p /out \
 && cp -a admin-ui/dist /out/admin \
 && cp -a client-ui/dist /out/client \
 && test -f /out/admin/index.html \
 && test -f /out/client/index.html

# ---------------------------------------------------------------------------
FROM nginx:1.27-alpine AS portal

# Which portal this image serves: admin or client.
ARG PORTAL=admin
RUN case "${PORTAL}" in \
      admin|client) ;; \
      *) echo "PORTAL must be admin or client, not '${PORTAL}'" >&2; exit 1 ;; \
    esac

# The server block is a template: the nginx entrypoint fills in the two
# variables below at start and writes /etc/nginx/conf.d/default.conf (replacing
# the stock one). Override them with -e / compose `environment:`.
ENV CAUCUS_API_UPSTREAM=api:8080 \
    NGINX_RESOLVER=127.0.0.11
COPY deploy/nginx/portal.conf /etc/nginx/templates/default.conf.template

RUN rm -rf /usr/share/nginx/html/*
COPY --from=builder /out/${PORTAL}/ /usr/share/nginx/html/

EXPOSE 80
# The base image's ENTRYPOINT (template substitution) and CMD (nginx in the
# foreground) are kept.
