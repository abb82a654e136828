# The production image of Nurtureflow: one image for the API, the worker and the migrations
# (docker-compose.yml picks the command). Multi-stage: the build stage compiles TypeScript and
# bundles the workflow code; the runtime stage holds only production dependencies and dist/.
# Node.js 24 LTS.

FROM node:24.22.3-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
# postinstall generates the Prisma client from prisma/schema.prisma.
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:24.22.3-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/prisma.config.ts ./
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The image's own unprivileged user; nothing in /app is writable by it.
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "dist/api/healthcheck.js"]
# Exec form: SIGTERM from `docker stop` reaches node itself, which drains before it exits.
CMD ["node", "dist/api/main.js"]
