// Package deploy holds the recipes that run the server in production: a
// hardened systemd unit (donations.service), a container image
// (Dockerfile) with a compose file that puts it behind Caddy on Postgres
// (compose.yaml, Caddyfile), and an nginx site (nginx.conf). It has no
// code; its tests check that the unit passes systemd-analyze and that the
// Dockerfile's build makes a static binary that serves as a non-root user
// on a read-only root with only DATA_DIR writable.
package deploy
