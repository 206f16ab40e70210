package models_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// clock is a test's own time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestSignInTokensAndSessionsExpire(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)}
		s := openStoreAt(t, db, "", clk.now)
		if _, err := s.ApplyEvent(ctx, event("evt_acct", "checkout.session.completed"), paid("cs_acct", "", "acct@example.com", 1000, clk.now())); err != nil {
			t.Fatal(err)
		}

		// A token works once, within 30 minutes.
		tok, err := s.IssueLoginToken(ctx, "acct@example.com")
		if err != nil {
			t.Fatal(err)
		}
		clk.advance(29 * time.Minute)
		session, donor, err := s.SignIn(ctx, tok)
		if err != nil || donor.Email != "acct@example.com" || session == "" {
			t.Fatalf("sign in within 30 min: %v", err)
		}
		if _, _, err := s.SignIn(ctx, tok); !errors.Is(err, models.ErrExpired) {
			t.Fatalf("second use: %v", err)
		}
		late, _ := s.IssueLoginToken(ctx, "acct@example.com")
		clk.advance(31 * time.Minute)
		if _, _, err := s.SignIn(ctx, late); !errors.Is(err, models.ErrExpired) {
			t.Fatalf("after 31 min: %v", err)
		}
		if _, _, err := s.SignIn(ctx, "made-up-token"); !errors.Is(err, models.ErrExpired) {
			t.Fatalf("unknown token: %v", err)
		}

		// A session lives while used, up to its hard limit, and ends when idle.
		for i := 0; i < 3; i++ {
			if _, err := s.SessionDonor(ctx, session); err != nil {
				t.Fatalf("session in use after %d checks: %v", i, err)
			}
			clk.advance(90 * time.Minute)
		}
		clk.advance(3 * time.Hour)
		if _, err := s.SessionDonor(ctx, session); !errors.Is(err, models.ErrExpired) {
			t.Fatalf("idle session: %v", err)
		}
		tok2, _ := s.IssueLoginToken(ctx, "acct@example.com")
		session2, _, err := s.SignIn(ctx, tok2)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i <= 7*24; i++ { // used every hour for a week and an hour
			clk.advance(time.Hour)
			_, err = s.SessionDonor(ctx, session2)
			if err != nil {
				break
			}
		}
		if !errors.Is(err, models.ErrExpired) {
			t.Fatalf("session past its hard expiry: %v", err)
		}
	})
}

func TestStaffSessionsExpireAndSetupLink(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)}
		s := openStoreAt(t, db, "", clk.now)
		// The setup link makes the first admin, once, within the hour.
		link, _ := s.CreateSetupLink(ctx)
		clk.advance(61 * time.Minute)
		if _, err := s.CompleteSetup(ctx, link, "late@ledger.example", "a long enough password", "192.0.2.1"); !errors.Is(err, models.ErrExpired) {
			t.Fatalf("setup after an hour: %v", err)
		}
		link, _ = s.CreateSetupLink(ctx)
		if _, err := s.CompleteSetup(ctx, link, "first@ledger.example", "a long enough password", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.SetupValid(ctx, link); ok || err != nil {
			t.Fatalf("setup link still valid after use (%v)", err)
		}
		again, _ := s.CreateSetupLink(ctx)
		if ok, err := s.SetupValid(ctx, again); ok || err != nil {
			t.Fatalf("a setup link works although an account exists (%v)", err)
		}
		// Sessions end after 30 idle minutes, and after 12 hours in any case.
		token, _, err := s.StaffSignIn(ctx, "First@Ledger.example", "a long enough password", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		clk.advance(29 * time.Minute)
		if _, err := s.StaffBySession(ctx, token); err != nil {
			t.Fatalf("after 29 minutes: %v", err)
		}
		clk.advance(31 * time.Minute)
		if _, err := s.StaffBySession(ctx, token); !errors.Is(err, models.ErrExpired) {
			t.Fatalf("after 31 idle minutes: %v", err)
		}
		token, _, _ = s.StaffSignIn(ctx, "first@ledger.example", "a long enough password", "192.0.2.1")
		for i := 0; i < 12*3+1; i++ {
			clk.advance(20 * time.Minute)
			if _, err = s.StaffBySession(ctx, token); err != nil {
				break
			}
		}
		if !errors.Is(err, models.ErrExpired) {
			t.Fatalf("after 12 busy hours: %v", err)
		}
		if _, _, err := s.StaffSignIn(ctx, "first@ledger.example", "wrong", "192.0.2.1"); !errors.Is(err, models.ErrBadCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
		if err := s.DisableStaff(ctx, "first@ledger.example", models.CommandLine); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.StaffSignIn(ctx, "first@ledger.example", "a long enough password", "192.0.2.1"); !errors.Is(err, models.ErrBadCredentials) {
			t.Fatalf("disabled account: %v", err)
		}
	})
}

// TestMergedEmailStaysWithItsDonor: once staff merged ann.other@ into
// ann@, a new gift from ann.other@ and a sign-in with it both land on
// Ann's record, and merging Ann further carries the old address along.
func TestMergedEmailStaysWithItsDonor(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s := openStore(t, db, "")
		now := time.Now().UTC()
		for i, email := range []string{"ann@example.com", "ann.other@example.com", "ann.third@example.com"} {
			if _, err := s.ApplyEvent(ctx, event("evt_m"+email, "checkout.session.completed"), paid("cs_m"+string(rune('a'+i)), "", email, 1000, now)); err != nil {
				t.Fatal(err)
			}
		}
		ann, _ := s.DonorByEmail(ctx, "ann@example.com")
		other, _ := s.DonorByEmail(ctx, "ann.other@example.com")
		third, _ := s.DonorByEmail(ctx, "ann.third@example.com")
		if _, err := s.MergeDonors(ctx, "ann.other@example.com", ann.ID, models.Actor{Email: "staff@example.org"}); err != nil {
			t.Fatal(err)
		}
		// Ann is then merged into the third record: ann.other@ follows.
		if _, err := s.MergeDonors(ctx, "ann@example.com", third.ID, models.Actor{Email: "staff@example.org"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ApplyEvent(ctx, event("evt_m_later", "checkout.session.completed"), paid("cs_m_later", "", "Ann.Other@example.com", 2500, now)); err != nil {
			t.Fatal(err)
		}
		gifts, err := s.GiftsOfDonor(ctx, third.ID)
		if err != nil || len(gifts) != 4 {
			t.Fatalf("gifts of the surviving record: %d %v, want 4", len(gifts), err)
		}
		for _, id := range []string{ann.ID, other.ID} {
			if left, _ := s.GiftsOfDonor(ctx, id); len(left) != 0 {
				t.Fatalf("%d gifts on a merged record", len(left))
			}
		}
		tok, err := s.IssueLoginToken(ctx, "ann.other@example.com")
		if err != nil {
			t.Fatal(err)
		}
		_, donor, err := s.SignIn(ctx, tok)
		if err != nil || donor.ID != third.ID {
			t.Fatalf("sign-in with a merged address opened %+v (%v), want %s", donor, err, third.ID)
		}
		if err := s.SendSignInLink(ctx, "ann@example.com"); err != nil {
			t.Fatal(err)
		}
		msgs, err := s.Emails(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range msgs {
			if m.Kind == models.EmailSignIn {
				found = m.ToAddress == "ann@example.com" && m.DonorID != nil && *m.DonorID == third.ID
			}
		}
		if !found {
			t.Fatalf("sign-in email for a merged address: %+v", msgs)
		}
	})
}

// TestPasswordChecksAreCapped: while every password-check slot is busy, a
// sign-in waits, then answers ErrBusy without checking anything, and the
// attempt counts against nobody.
func TestPasswordChecksAreCapped(t *testing.T) {
	ctx := context.Background()
	s := openStoreAt(t, "sqlite", "", nil)
	if _, err := s.AddStaff(ctx, "fin@ledger.example", "a long enough password", models.RoleAdmin, models.CommandLine); err != nil {
		t.Fatal(err)
	}
	release := s.HoldPasswordChecks()
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	_, _, err := s.StaffSignIn(short, "fin@ledger.example", "a long enough password", "192.0.2.1")
	cancel()
	release()
	if !errors.Is(err, models.ErrBusy) {
		t.Fatalf("sign-in with every check slot taken: %v, want ErrBusy", err)
	}
	// Four such refusals later the address is not throttled.
	for i := 0; i < models.SignInFreeAttempts+1; i++ {
		release := s.HoldPasswordChecks()
		short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		_, _, _ = s.StaffSignIn(short, "fin@ledger.example", "a long enough password", "192.0.2.1")
		cancel()
		release()
	}
	if _, _, err := s.StaffSignIn(ctx, "fin@ledger.example", "a long enough password", "192.0.2.1"); err != nil {
		t.Fatalf("once a slot is free: %v", err)
	}
}

// TestNetworkKeyGroupsBy24And64: card testers' networks, an IPv4 /24 or
// an IPv6 /64.
func TestNetworkKeyGroupsBy24And64(t *testing.T) {
	for ip, want := range map[string]string{
		"203.0.113.9": "203.0.113.0/24", "::ffff:203.0.113.200": "203.0.113.0/24", "2001:db8:1:2::ffff": "2001:db8:1:2::/64", "nope": "nope",
	} {
		if got := models.NetworkKey(ip); got != want {
			t.Errorf("NetworkKey(%s) = %s, want %s", ip, got, want)
		}
	}
}

func TestClientKeyGroupsIPv6By64(t *testing.T) {
	for ip, want := range map[string]string{
		"203.0.113.9": "203.0.113.9", "::ffff:203.0.113.9": "203.0.113.9",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64", "2001:db8:1:2::ffff": "2001:db8:1:2::/64", "2001:db8:1:3::1": "2001:db8:1:3::/64",
	} {
		if got := models.ClientKey(ip); got != want {
			t.Errorf("ClientKey(%s) = %s, want %s", ip, got, want)
		}
	}
}

// TestVoidReasonsPrintMoney: a void reason says amounts as money, also
// for receipts voided before reasons were written that way.
func TestVoidReasonsPrintMoney(t *testing.T) {
	for reason, want := range map[string]string{
		"partially refunded (3000 of 10000)":     "partially refunded ($30.00 of $100.00)",
		"partially refunded ($30.00 of $100.00)": "partially refunded ($30.00 of $100.00)",
		"refunded in full":                       "refunded in full",
	} {
		r := models.Receipt{VoidReason: reason, Currency: "usd"}
		if got := r.VoidReasonText(); got != want {
			t.Errorf("%q printed %q, want %q", reason, got, want)
		}
	}
	jpy := models.Receipt{VoidReason: "partially refunded (500 of 5000)", Currency: "jpy"}
	if got := jpy.VoidReasonText(); got != "partially refunded (¥500 of ¥5,000)" {
		t.Errorf("yen: %q", got)
	}
}
