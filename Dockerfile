# keyguard serve in a container. The build stage builds and packs this checkout; the final image
# installs that tarball the way an app does (with its peers express and ioredis), nothing else.
FROM node:20-alpine AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json LICENSE README.md CHANGELOG.md ./
COPY scripts ./scripts
COPY lua ./lua
COPY src ./src
COPY ui ./ui
RUN npm run build && npm pack --ignore-scripts --pack-destination /tmp

FROM node:20-alpine
WORKDIR /app
COPY --from=build /tmp/keyguard-*.tgz /tmp/
RUN npm init -y >/dev/null \
  && npm install --omit=dev --no-audit --no-fund /tmp/keyguard-*.tgz \
  && rm /tmp/keyguard-*.tgz \
  && npm cache clean --force
ENV NODE_ENV=production PATH=/app/node_modules/.bin:$PATH
USER node
EXPOSE 3000
ENTRYPOINT ["keyguard"]
CMD ["serve", "--port", "3000"]
