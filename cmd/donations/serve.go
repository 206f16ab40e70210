package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/server"
)

func (a *app) serve(ctx context.Context, args []string) int {
	if !a.flags("serve", args, nil) {
		return exitUsage
	}
	cfg, log, ok := a.load()
	if !ok {
		return exitError
	}
	if err := cfg.ForServing(); err != nil {
		fmt.Fprintf(a.stderr, "donations: invalid configuration:\n  %v\n", err)
		return exitError
	}
	if err := serve(ctx, cfg, log, a.stdout, nil); err != nil {
		log.Error("server stopped", "err", err)
		return exitError
	}
	return exitOK
}

// serve runs until ctx ends, then shuts down gracefully. What the person
// who started it must do goes to notice (standard output). ready, when
// not nil, receives the listening address (tests use it).
func serve(ctx context.Context, cfg *config.Config, log *slog.Logger, notice io.Writer, ready chan<- string) (err error) {
	// Listen first: with ADDR on port 0 and no BASE_URL, the links the
	// server prints and sends must carry the port it really got.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	defer func() {
		if cerr := ln.Close(); cerr != nil && !errors.Is(cerr, net.ErrClosed) {
			err = errors.Join(err, cerr)
		}
	}()
	if cfg.BaseURLFromAddr && cfg.BaseURL.Port() == "0" {
		_, port, _ := net.SplitHostPort(ln.Addr().String()) // a listener's address always has a port
		cfg.BaseURL.Host = net.JoinHostPort(cfg.BaseURL.Hostname(), port)
	}
	// The embedded database is this server's while it runs: a restore
	// waits for it to stop.
	release, err := server.HoldDatabase(cfg)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, release()) }()
	srv, err := server.Open(ctx, cfg, server.Options{Logger: log, Notice: notice})
	if err != nil {
		return err
	}
	// The job engine outlives requests: it stops after the HTTP server, with
	// its own grace period.
	defer func() { err = errors.Join(err, srv.Close()) }()
	if err := srv.Start(ctx); err != nil {
		return err
	}
	return srv.Serve(ctx, ln, func() {
		if ready != nil {
			ready <- ln.Addr().String()
		}
	})
}
