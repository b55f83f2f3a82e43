# aws-sts base image.
#
# An organisation builds its own image FROM this one, in a folder holding its config.json and
# a one-line Dockerfile (see docs/organisation.md):
#     FROM registry.example.com/aws-sts:<version>
# The ONBUILD COPY below then bakes /etc/aws-sts/config.json into the organisation's image.
# With podman, build this base with `podman build --format docker`: OCI images drop ONBUILD.
ARG BASE=debian:bookworm-slim
FROM ${BASE}

# Build-time pip settings (CA bundle, index, timeout) for networks that need them. ARGs are not
# kept in the image's environment; nothing here is needed against the public PyPI.
ARG PIP_CERT
ARG PIP_INDEX_URL
ARG PIP_DEFAULT_TIMEOUT

# Debian slim's dpkg configuration drops /usr/share/man and /usr/share/groff. `man aws-sts` needs
# groff's macros (our page itself lives in /usr/local/share/man, which dpkg does not filter), so
# take groff back in before installing it. Files in dpkg.cfg.d are read in order: "zz" comes last.
RUN echo 'path-include /usr/share/groff/*' > /etc/dpkg/dpkg.cfg.d/zz-aws-sts-man

# python3 + venv: the tool; chromium: the browser Playwright drives (Playwright's own download is
# not used); libatomic1: Playwright's bundled node needs it; fonts: readable debug screenshots;
# xvfb + xauth: a virtual display for --debug (headed browser); man-db/groff-base/less: the man
# page; tini: PID 1 that forwards signals and reaps Chromium's children; libnss3-tools: certutil, with which
# the entry point adds a corporate CA bundle (AWS_CA_BUNDLE) to Chromium's own certificate store.
# Not pinned (DL3008): the base is a Debian stable release whose archive keeps only the current
# version of each package, so exact pins would break every build after a (security) update.
# hadolint ignore=DL3008
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates \
      chromium \
      fonts-liberation \
      groff-base \
      less \
      libatomic1 \
      libnss3-tools \
      man-db \
      python3 \
      python3-venv \
      tini \
      xauth \
      xvfb \
 && rm -rf /var/lib/apt/lists/*

ENV VIRTUAL_ENV=/opt/aws-sts \
    PATH=/opt/aws-sts/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    AWS_STS_BROWSER_PATH=/usr/bin/chromium

# Dependencies first, read from pyproject.toml, so a code change does not download them again.
COPY pyproject.toml /tmp/aws-sts/pyproject.toml
RUN python3 -m venv "$VIRTUAL_ENV" \
 && python3 -c 'import tomllib, sys; print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]))' \
      /tmp/aws-sts/pyproject.toml > /tmp/aws-sts/requirements.txt \
 && pip install --no-cache-dir -r /tmp/aws-sts/requirements.txt

COPY README.md /tmp/aws-sts/README.md
COPY aws_sts /tmp/aws-sts/aws_sts
COPY bin/aws-sts /tmp/aws-sts/bin/aws-sts
RUN pip install --no-cache-dir --no-deps /tmp/aws-sts \
 && rm -rf /tmp/aws-sts \
 && aws-sts --version

COPY man/aws-sts.1 /usr/local/share/man/man1/aws-sts.1
COPY docker/entrypoint.sh /usr/local/bin/aws-sts-entrypoint

# The user's ~/.aws: credentials are written here, failure artifacts go to ~/.aws/aws-sts-debug/.
VOLUME /root/.aws
WORKDIR /root
# aws-sts opens no browser here (--console prints its URL only): a browser in the container is nobody's.
ENV AWS_STS_IN_CONTAINER=1

ONBUILD COPY config.json /etc/aws-sts/config.json

# No CMD: `aws-sts.sh` with no arguments signs in interactively, as the original did.
ENTRYPOINT ["/usr/bin/tini", "-g", "--", "/usr/local/bin/aws-sts-entrypoint"]
