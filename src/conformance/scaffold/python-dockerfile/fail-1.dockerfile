# Fails: only the build stage has a HEALTHCHECK; the final image has none.
FROM golang:1.22 AS build
HEALTHCHECK NONE
RUN go build -o /app ./cmd/app

# expect: __ID__
FROM debian:bookworm-slim
COPY --from=build /app /app
CMD ["/app"]
