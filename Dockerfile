# One image for every service; docker-compose picks the entry point.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages/platform/package.json packages/platform/
COPY packages/testing/package.json packages/testing/
COPY subgraphs/accounts/package.json subgraphs/accounts/
COPY subgraphs/billing/package.json subgraphs/billing/
COPY subgraphs/ai-platform/package.json subgraphs/ai-platform/
COPY subgraphs/monitoring/package.json subgraphs/monitoring/
COPY gateway/package.json gateway/
COPY web/package.json web/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=development
# Services bind 127.0.0.1 by default; in a container they must be reachable from other containers.
ENV HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app /app
EXPOSE 4000 4001 4002 4003 4004 5173
