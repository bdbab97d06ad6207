# Passes: the final stage checks the service.
FROM golang:1.22 AS build
RUN go build -o /app ./cmd/app

FROM debian:bookworm-slim
COPY --from=build /app /app
HEALTHCHECK CMD ["/app", "health"]
CMD ["/app"]
