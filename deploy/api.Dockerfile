# syntax=docker/dockerfile:1.7
#
# The Caucus API image: the one `caucus` binary, in all its roles
# (`serve` by default; `migrate`, `seed`, `schema` as commands).
#
#   docker build -f deploy/api.Dockerfile -t caucus-api .
#   docker run --rm caucus-api schema
#
# Needs BuildKit (the default builder of current Docker) for the cache mounts.
# The health check lives in compose.yaml (GET /readyz), not here.

# ---------------------------------------------------------------------------
FROM rust:1.95-bookworm AS builder
WORKDIR /src

# The toolchain pinned by the repository (rust-toolchain.toml). Installing it
# here, in its own layer, keeps the download out of every rebuild.
COPY rust-toolchain.toml ./
RUN rustup toolchain install && rustc --version

# The whole workspace: cargo needs every member's manifest and sources to
# resolve it, even when building one package. .dockerignore keeps target/,
# node_modules/, dist/ and local state out of the context.
COPY . .

# The registry and target directories are BuildKit cache mounts, so rebuilds are
# incremental; the binary is copied out of the mount in the same step.
RUN --mount=type=cache,id=caucus-cargo-registry,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,id=caucus-cargo-git,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,id=caucus-target-api,target=/src/target,sharing=locked \
    cargo build --release -p caucus-api --locked \
 && install -D -m 0755 target/release/caucus /out/caucus

# ---------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime

# TLS roots for outbound HTTPS (OTLP collector, identity providers, Stripe,
# object storage). Nothing else: no shell tools beyond Debian's base.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# An unprivileged user with no home and no login shell.
RUN groupadd --system --gid 10001 caucus \
 && useradd --system --uid 10001 --gid caucus --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin caucus

COPY --from=builder /out/caucus /usr/local/bin/caucus

USER 10001:10001

# Listen on every interface inside the container (the default, 127.0.0.1,
# would be unreachable from other containers). Everything else comes from
# CAUCUS__… variables or a file given with --config / CAUCUS_CONFIG.
ENV CAUCUS__SERVER__HOST=0.0.0.0

EXPOSE 8080
ENTRYPOINT ["caucus"]
CMD ["serve"]
