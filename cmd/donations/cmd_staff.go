package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/models"
)

// donations staff add|list|disable: staff accounts from the command line.

func (a *app) staff(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(a.stderr, "donations staff: expected add, list or disable\n\n"+usage)
		return exitUsage
	}
	sub, args := args[0], args[1:]
	var email, role string
	define := func(fs *flag.FlagSet) {
		if sub != "list" {
			fs.StringVar(&email, "email", "", "the account's email")
		}
		if sub == "add" {
			fs.StringVar(&role, "role", models.RoleStaff, "admin or staff")
		}
	}
	switch sub {
	case "add", "list", "disable":
	default:
		fmt.Fprintf(a.stderr, "donations staff: unknown subcommand %q\n\n%s", sub, usage)
		return exitUsage
	}
	if !a.flags("staff "+sub, args, define) {
		return exitUsage
	}
	if sub != "list" && !strings.Contains(email, "@") {
		fmt.Fprintf(a.stderr, "donations staff %s: --email is required\n\n%s", sub, usage)
		return exitUsage
	}
	if sub == "add" && role != models.RoleAdmin && role != models.RoleStaff {
		fmt.Fprintf(a.stderr, "donations staff add: --role must be admin or staff\n\n%s", usage)
		return exitUsage
	}
	return a.withStore(ctx, "staff "+sub, func(_ *config.Config, _ *slog.Logger, store *models.Store) error {
		switch sub {
		case "list":
			users, err := store.StaffList(ctx)
			if err != nil {
				return err
			}
			for _, u := range users {
				state := "active"
				if u.Disabled {
					state = "disabled"
				}
				fmt.Fprintf(a.stdout, "%s\t%s\t%s\n", u.Email, u.Role, state)
			}
			return nil
		case "disable":
			if err := store.DisableStaff(ctx, email, models.CommandLine); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "disabled %s\n", email)
			return nil
		}
		password, err := readPassword(a.stdin)
		if err != nil {
			return err
		}
		generated := password == ""
		if generated {
			if password, err = models.GeneratePassword(); err != nil {
				return err
			}
		}
		if _, err := store.AddStaff(ctx, email, password, role, models.CommandLine); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "added %s as %s\n", email, role)
		if generated {
			fmt.Fprintf(a.stdout, "password (shown only now): %s\n", password)
		}
		return nil
	})
}

// readPassword takes the first line of stdin; empty means "generate one".
func readPassword(r io.Reader) (string, error) {
	if r == nil {
		return "", nil
	}
	line, err := bufio.NewReader(io.LimitReader(r, 1024)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
