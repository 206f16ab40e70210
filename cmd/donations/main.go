// Command donations runs the donation and membership backend: the web
// server and its operator commands. main only wires the process to run.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	_ "time/tzdata" // TIMEZONE works on machines without a zoneinfo database
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	a := &app{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, setMemoryLimit: debug.SetMemoryLimit,
		setGCPercent: debug.SetGCPercent}
	code := a.run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
