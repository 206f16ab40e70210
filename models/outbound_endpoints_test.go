package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// settle claims delivery id and records an attempt, as the worker does.
func settle(t *testing.T, s *models.Store, id string, r models.DeliveryResult) {
	t.Helper()
	ctx := context.Background()
	if ok, err := s.ClaimDelivery(ctx, id); err != nil || !ok {
		t.Fatalf("claim %s: %v %v", id, ok, err)
	}
	if err := s.RecordDeliveryAttempt(ctx, id, r); err != nil {
		t.Fatal(err)
	}
}

// TestEventsWaitForADisabledEndpoint: what happens while an endpoint is
// disabled reaches it once it is enabled again, as its admins' email
// promises; an enabled endpoint gets its events at once.
func TestEventsWaitForADisabledEndpoint(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s := openStore(t, db, "")
		admin := models.Actor{Email: "admin@example.org"}
		e, err := s.CreateOutboundEndpoint(ctx, "https://hooks.example.org/crm", "", nil, admin)
		if err != nil {
			t.Fatal(err)
		}
		live, err := s.CreateOutboundEndpoint(ctx, "https://hooks.example.org/live", "", nil, admin)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DisableOutboundEndpoint(ctx, e.ID, "receiver down", admin); err != nil {
			t.Fatal(err)
		}
		payGift(t, s, 0, "ada@example.com", 2500)
		waiting, n, err := s.DeliveryLog(ctx, e.ID, 0, 50)
		if err != nil || n == 0 {
			t.Fatalf("a disabled endpoint kept no deliveries: %d %v", n, err)
		}
		if _, m, _ := s.DeliveryLog(ctx, live.ID, 0, 50); m != n {
			t.Fatalf("the disabled endpoint holds %d deliveries, the enabled one %d", n, m)
		}
		for _, d := range waiting {
			if d.Status != models.DeliveryPending || d.Attempts != 0 {
				t.Fatalf("waiting delivery: %+v", d)
			}
		}
		if err := s.EnableOutboundEndpoint(ctx, e.ID, admin); err != nil {
			t.Fatal(err)
		}
		// Each one can now be sent, oldest first, and is sent once.
		for i := len(waiting) - 1; i >= 0; i-- {
			settle(t, s, waiting[i].ID, models.DeliveryResult{Delivered: true, StatusCode: 204})
		}
		after, _, _ := s.DeliveryLog(ctx, e.ID, 0, 50)
		if len(after) != len(waiting) {
			t.Fatalf("after enabling: %d deliveries, want %d", len(after), len(waiting))
		}
		for _, d := range after {
			if d.Status != models.DeliveryDelivered || d.Attempts != 1 {
				t.Fatalf("after enabling: %+v", d)
			}
		}
	})
}

func TestOutboundEndpointManagement(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
		s := openStoreAt(t, db, "", clk.now)
		admin := models.Actor{Email: "admin@example.org"}
		e, err := s.CreateOutboundEndpoint(ctx, "https://hooks.example.org/a", "CRM", nil, admin)
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.CreateOutboundEndpoint(ctx, "https://hooks.example.org/b", "", nil, admin)
		if err != nil {
			t.Fatal(err)
		}

		// Rotation: the old secret still signs for a day, then not.
		old := e.Secret
		secret, err := s.RotateOutboundSecret(ctx, e.ID, admin)
		if err != nil || secret == old {
			t.Fatalf("rotate: %q %v", secret, err)
		}
		got, err := s.OutboundEndpointByID(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ss := got.Secrets(clk.now()); len(ss) != 2 || ss[0] != secret || ss[1] != old {
			t.Fatalf("secrets after rotation: %v", ss)
		}
		if ss := got.Secrets(clk.now().Add(models.SecretOverlap)); len(ss) != 1 {
			t.Fatalf("secrets a day later: %v", ss)
		}

		// A test event goes to one endpoint only.
		d, err := s.SendTestEvent(ctx, e.ID, admin)
		if err != nil {
			t.Fatal(err)
		}
		log, total, err := s.DeliveryLog(ctx, e.ID, 0, 50)
		if err != nil || total != 1 || len(log) != 1 || log[0].EventType != models.EventTestPing || log[0].Status != models.DeliveryPending || log[0].ID != d.ID {
			t.Fatalf("log: %+v %d %v", log, total, err)
		}
		if _, n, _ := s.DeliveryLog(ctx, other.ID, 0, 50); n != 0 {
			t.Fatalf("the other endpoint got %d deliveries", n)
		}

		// Delivered, then replayed: pending again.
		settle(t, s, d.ID, models.DeliveryResult{Delivered: true, StatusCode: 204})
		log, _, _ = s.DeliveryLog(ctx, e.ID, 0, 50)
		if log[0].Status != models.DeliveryDelivered || log[0].Attempts != 1 || log[0].LastStatusCode != 204 {
			t.Fatalf("after delivery: %+v", log[0])
		}
		if err := s.ReplayDelivery(ctx, e.ID, d.ID, admin); err != nil {
			t.Fatal(err)
		}
		if log, _, _ = s.DeliveryLog(ctx, e.ID, 0, 50); log[0].Status != models.DeliveryPending {
			t.Fatalf("after replay: %+v", log[0])
		}
		if err := s.ReplayDelivery(ctx, other.ID, d.ID, admin); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("replaying through another endpoint: %v", err)
		}

		// A range replays what was written in it, and nothing else.
		clk.advance(time.Hour)
		d2, err := s.SendTestEvent(ctx, e.ID, admin)
		if err != nil {
			t.Fatal(err)
		}
		settle(t, s, d2.ID, models.DeliveryResult{Delivered: true, StatusCode: 200})
		settle(t, s, d.ID, models.DeliveryResult{Delivered: true, StatusCode: 200})
		n, err := s.ReplayDeliveries(ctx, e.ID, clk.now().Add(-time.Minute), clk.now().Add(time.Minute), admin)
		if err != nil || n != 1 {
			t.Fatalf("range replay: %d %v", n, err)
		}
		log, _, _ = s.DeliveryLog(ctx, e.ID, 0, 50)
		if log[0].ID != d2.ID || log[0].Status != models.DeliveryPending || log[1].Status != models.DeliveryDelivered {
			t.Fatalf("newest first, only the range replayed: %+v", log)
		}
		if _, err := s.ReplayDeliveries(ctx, e.ID, clk.now(), clk.now(), admin); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("an empty range: %v", err)
		}

		// Disable and enable, audited; no test event while disabled.
		if err := s.DisableOutboundEndpoint(ctx, e.ID, "", admin); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SendTestEvent(ctx, e.ID, admin); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("test to a disabled endpoint: %v", err)
		}
		if err := s.EnableOutboundEndpoint(ctx, e.ID, admin); err != nil {
			t.Fatal(err)
		}
		list, err := s.OutboundEndpoints(ctx)
		if err != nil || len(list) != 2 {
			t.Fatalf("list: %+v %v", list, err)
		}
		for _, l := range list {
			if l.ID == e.ID && (l.Status != models.EndpointActive || l.Open != 1 || l.Delivered != 1) {
				t.Fatalf("counts: %+v", l)
			}
		}
		entries, err := s.AuditLog(ctx, 50)
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]bool{}
		for _, a := range entries {
			actions[a.Action] = true
		}
		for _, want := range []string{"rotated webhook secret", "sent a test event", "replayed a webhook delivery",
			"replayed webhook deliveries", "disabled webhook endpoint", "enabled webhook endpoint"} {
			if !actions[want] {
				t.Errorf("no audit entry %q in %v", want, actions)
			}
		}
	})
}

func TestOutboundEndpointFailingForThreeDaysIsDisabled(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
		s := openStoreAt(t, db, "", clk.now)
		e, err := s.CreateOutboundEndpoint(ctx, "https://hooks.example.org/down", "", nil, models.CommandLine)
		if err != nil {
			t.Fatal(err)
		}
		d, err := s.SendTestEvent(ctx, e.ID, models.CommandLine)
		if err != nil {
			t.Fatal(err)
		}
		fail := models.DeliveryResult{StatusCode: 503, Error: "answered 503"}
		settle(t, s, d.ID, fail)
		clk.advance(models.FailingFor - time.Minute)
		settle(t, s, d.ID, fail)
		if got, _ := s.OutboundEndpointByID(ctx, e.ID); got.Status != models.EndpointActive {
			t.Fatalf("disabled too soon: %+v", got)
		}
		clk.advance(time.Minute)
		settle(t, s, d.ID, fail)
		got, err := s.OutboundEndpointByID(ctx, e.ID)
		if err != nil || got.Status != models.EndpointDisabled || got.DisabledReason == "" {
			t.Fatalf("after three days of failures: %+v %v", got, err)
		}
		if entries, _ := s.AuditLog(ctx, 1); len(entries) != 1 || entries[0].StaffEmail != "delivery job" || entries[0].Action != "disabled webhook endpoint" {
			t.Fatalf("audit: %+v", entries)
		}

		// Enabled again: a clean count, and the open delivery pending.
		if err := s.EnableOutboundEndpoint(ctx, e.ID, models.CommandLine); err != nil {
			t.Fatal(err)
		}
		got, _ = s.OutboundEndpointByID(ctx, e.ID)
		log, _, _ := s.DeliveryLog(ctx, e.ID, 0, 10)
		if got.ConsecutiveFailures != 0 || got.FailingSince != nil || got.DisabledReason != "" || log[0].Status != models.DeliveryPending {
			t.Fatalf("after enabling: %+v %+v", got, log[0])
		}
	})
}

func TestOutboundEndpointFailingAHundredTimesIsDisabled(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		ctx := context.Background()
		s := openStore(t, db, "")
		for email, role := range map[string]string{"admin@ledger.example": models.RoleAdmin, "staff@ledger.example": models.RoleStaff} {
			if _, err := s.AddStaff(ctx, email, "a long test password", role, models.CommandLine); err != nil {
				t.Fatal(err)
			}
		}
		e, err := s.CreateOutboundEndpoint(ctx, "https://hooks.example.org/down", "", nil, models.CommandLine)
		if err != nil {
			t.Fatal(err)
		}
		d, err := s.SendTestEvent(ctx, e.ID, models.CommandLine)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= models.FailureLimit; i++ {
			settle(t, s, d.ID, models.DeliveryResult{Error: "connection refused"})
			got, _ := s.OutboundEndpointByID(ctx, e.ID)
			if want := i == models.FailureLimit; (got.Status == models.EndpointDisabled) != want {
				t.Fatalf("after %d failures: %s", i, got.Status)
			}
		}
		// The admins hear of it, each once; staff who are not admins do not.
		var toAdmins []string
		emails, err := s.Emails(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range emails {
			if m.Kind == models.EmailEndpointDisabled {
				toAdmins = append(toAdmins, m.ToAddress)
				if m.Link != "/admin/webhooks/"+e.ID || m.Subject != e.URL {
					t.Errorf("the notice: %+v", m)
				}
			}
		}
		if len(toAdmins) != 1 || toAdmins[0] != "admin@ledger.example" {
			t.Errorf("endpoint disabled: emailed %v, want the one admin", toAdmins)
		}
	})
}
