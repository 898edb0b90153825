# negmine image. GPU (default): CUDA 12 + cuDNN 9 runtime, the major versions onnxruntime-node 1.30's CUDA provider links.
#   docker build -t negmine .                       # GPU image
#   docker build -t negmine:cpu --build-arg TARGET=cpu .
#   docker run --gpus all -v "$PWD":/data negmine mine --data /data/train.jsonl -o /data/mined.jsonl
ARG TARGET=gpu
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04
ARG CPU_IMAGE=ubuntu:24.04
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS node

FROM ${CUDA_IMAGE} AS gpu-base
ENV ONNXRUNTIME_NODE_INSTALL=cuda12

FROM ${CPU_IMAGE} AS cpu-base
ENV ONNXRUNTIME_NODE_INSTALL=skip

# Node.js from the official image, on the target's own distribution.
FROM ${TARGET}-base AS base
# glibc returns freed model and batch buffers to the OS instead of keeping them (lower peak RSS; docs/benchmarks.md).
ENV MALLOC_MMAP_THRESHOLD_=131072
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
COPY --from=node /usr/local/include/node /usr/local/include/node
COPY scripts/docker/apt-install.sh /usr/local/sbin/apt-install.sh
RUN ln -s /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && apt-install.sh ca-certificates libopenblas0 libgomp1

FROM base AS build
RUN apt-install.sh g++ make python3 libfaiss-dev libopenblas-dev
WORKDIR /opt/negmine
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY bin ./bin
COPY src ./src
RUN NEGMINE_SETUP_OMIT_DEV=1 bash scripts/setup.sh

FROM base AS runtime
ARG TARGET
WORKDIR /opt/negmine
COPY --from=build /opt/negmine /opt/negmine
RUN ln -s /opt/negmine/bin/negmine.js /usr/local/bin/negmine \
 && if [ "$TARGET" = gpu ]; then bash scripts/docker/check-cuda-libs.sh; fi \
 && negmine doctor
WORKDIR /data
ENTRYPOINT ["negmine"]
CMD ["--help"]
