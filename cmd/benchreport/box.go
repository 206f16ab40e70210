package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/handlers"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/server"
)

// benchBox: the donate box's meter and script under article traffic,
// each against the same bytes as a static file served by the same gin
// (and the same compression); the meter asked conditionally (all 304);
// and how stale the meter is after a burst of gifts.
func benchBox(ctx context.Context, work string, sz sizes) ([]row, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dir := filepath.Join(work, fmt.Sprintf("box-%d", time.Now().UnixNano())) // a fresh database per run
	env := map[string]string{"DATA_DIR": dir, "SECRET_KEY": "0123456789abcdef0123456789abcdef", "LOG_LEVEL": "error"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return nil, err
	}
	// The store as serve opens it: receipts are issued as the gifts land.
	store, err := server.OpenStore(ctx, cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	now := time.Now()
	camp := &models.Campaign{Slug: "drive", Name: "Year-end drive", GoalAmount: 5000000, Currency: cfg.Currency,
		StartsAt: now.AddDate(0, 0, -1), EndsAt: now.AddDate(0, 1, 0)}
	if err := store.SaveCampaign(ctx, camp, models.CommandLine); err != nil {
		return nil, err
	}
	ours, err := serveDemo(ctx, cfg, store)
	if err != nil {
		return nil, err
	}
	get := func(path string) ([]byte, string, error) {
		resp, err := http.Get(ours + path)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return b, resp.Header.Get("ETag"), err
	}
	meterBody, meterTag, err := get("/box/meter/drive.json")
	if err != nil {
		return nil, err
	}
	script, _, err := get("/box.js")
	if err != nil {
		return nil, err
	}
	// The baseline: the same bytes as files, served by gin's StaticFile.
	if err := os.WriteFile(filepath.Join(dir, "meter.json"), meterBody, 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "box.js"), script, 0o644); err != nil {
		return nil, err
	}
	bare := gin.New()
	bare.StaticFile("/meter.json", filepath.Join(dir, "meter.json"))
	bare.StaticFile("/box.js", filepath.Join(dir, "box.js"))
	compressed, err := handlers.Compress(bare)
	if err != nil {
		return nil, err
	}
	base, err := serveHandler(ctx, compressed)
	if err != nil {
		return nil, err
	}
	var rows []row
	for _, m := range []struct{ name, ours, base string }{
		{"meter", "/box/meter/drive.json", "/meter.json"},
		{"box.js", "/box.js", "/box.js"},
	} {
		bRPS, _, _, err := load(base+m.base, sz.DonateClients, sz.Load)
		if err != nil {
			return nil, fmt.Errorf("static %s: %w", m.name, err)
		}
		oRPS, _, _, err := load(ours+m.ours, sz.DonateClients, sz.Load)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.name, err)
		}
		rows = append(rows, row{Name: fmt.Sprintf("GET %s, %d connections, vs the same bytes as a static file", m.ours, sz.DonateClients),
			Ours: oRPS, Baseline: bRPS, Unit: "req/s", Goal: "ratio ≥ 0.8", HigherIsBetter: true})
	}
	bRPS, _, _, err := load(base+"/meter.json", sz.DonateClients, sz.Load)
	if err != nil {
		return nil, err
	}
	cRPS, _, _, err := loadWith(ours+"/box/meter/drive.json", sz.DonateClients, sz.Load, map[string]string{"If-None-Match": meterTag}, http.StatusNotModified)
	if err != nil {
		return nil, fmt.Errorf("conditional meter: %w", err)
	}
	rows = append(rows, row{Name: "GET the meter with If-None-Match, every answer 304, vs the static file", Ours: cRPS, Baseline: bRPS,
		Unit: "req/s", Goal: "all 304", HigherIsBetter: true})

	// A burst of gifts while the meter is read: how long after the last
	// one is recorded does the meter show them all?
	gifts := 200
	if sz.Load < time.Second {
		gifts = 20
	}
	var want int64
	for i := 0; i < gifts; i++ {
		g := &models.Gift{Frequency: models.FrequencyOnce, Amount: 2500, Currency: cfg.Currency, Email: fmt.Sprintf("burst%d@example.org", i),
			Name: "Burst", CampaignID: &camp.ID}
		if err := store.CreateGift(ctx, g); err != nil {
			return nil, err
		}
		at := time.Now()
		if _, err := store.ApplyEvent(ctx, models.EventRecord{ID: fmt.Sprintf("evt_burst_%d", i), Type: "checkout.session.completed",
			APIVersion: "2023-10-16", Created: at}, models.CheckoutPaid{CheckoutPayment: models.CheckoutPayment{SessionID: fmt.Sprintf("cs_burst_%d", i),
			ClientReferenceID: g.ID, PaymentIntentID: fmt.Sprintf("pi_burst_%d", i), AmountTotal: 2500, Currency: cfg.Currency,
			Email: g.Email, Name: g.Name, At: at}}); err != nil {
			return nil, err
		}
		want += 2500
		if i%10 == 0 {
			_, _, _ = get("/box/meter/drive.json") // readers keep asking during the burst
		}
	}
	last := time.Now()
	var stale time.Duration
	for {
		b, _, err := get("/box/meter/drive.json")
		if err != nil {
			return nil, err
		}
		var m struct{ Raised int64 }
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		if m.Raised >= want {
			stale = time.Since(last)
			break
		}
		if time.Since(last) > 30*time.Second {
			return nil, fmt.Errorf("the meter still showed %d of %d after 30 s", m.Raised, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	rows = append(rows, row{Name: fmt.Sprintf("meter staleness after a burst of %d gifts", gifts), Ours: stale.Seconds(), Unit: "s",
		Goal: "≤ 3 s"})
	return rows, nil
}
