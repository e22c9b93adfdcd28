# Konto: API and workers from one image. Not built on the CI machine (no Docker engine there).
# Build: docker build -t konto .      Run API: docker run konto      Workers: docker run konto node dist/workers/index.js

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY workers ./workers
COPY migrations ./migrations
COPY test ./test
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The unprivileged user of the Node image.
USER node
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s CMD node -e "fetch('http://127.0.0.1:4000/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The heap cap of npm start (README, "Memory"): V8 lets the heap grow less between full collections.
CMD ["node", "--max-old-space-size=1024", "--max-semi-space-size=32", "--no-allocation-site-pretenuring", "dist/src/main.js"]
