package challenge_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/challenge"
)

// TestSolvedChallengeVerifiesAndCarriesItsParameters: a solution found by
// search verifies with the key that issued it and gives back the level,
// domain and expiry it was issued with.
func TestSolvedChallengeVerifiesAndCarriesItsParameters(t *testing.T) {
	is := challenge.NewIssuer([]byte("0123456789abcdef0123456789abcdef"))
	now := time.Unix(1_800_000_000, 0)
	ch, err := is.Issue(challenge.Params{Level: 1, Domain: "example.net", Expires: now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if ch.MaxNumber != 2*challenge.BaseNumber || ch.Cost != challenge.Cost || ch.Algorithm != "PBKDF2/SHA-256" {
		t.Fatalf("challenge %+v", ch)
	}
	sol, ok := challenge.Solve(ch)
	if !ok {
		t.Fatal("no number solves the challenge")
	}
	p, id, err := is.Verify(sol.Encode(), now)
	if err != nil || p.Level != 1 || p.Domain != "example.net" || !p.Expires.Equal(now.Add(time.Minute)) || id != ch.Challenge {
		t.Fatalf("verify: %+v %q %v", p, id, err)
	}
	// Another server with the same SECRET_KEY accepts it; another key does not.
	if _, _, err := challenge.NewIssuer([]byte("0123456789abcdef0123456789abcdef")).Verify(sol.Encode(), now); err != nil {
		t.Fatalf("same key, other instance: %v", err)
	}
	if _, _, err := challenge.NewIssuer([]byte("another key another key another key")).Verify(sol.Encode(), now); !errors.Is(err, challenge.ErrForged) {
		t.Fatalf("other key: %v", err)
	}
	if _, _, err := is.Verify(sol.Encode(), now.Add(time.Minute)); !errors.Is(err, challenge.ErrExpired) {
		t.Fatalf("at expiry: %v", err)
	}
}

// TestForgedSolutionsAreRefused: a wrong number, a salt whose level or
// expiry was edited, a made-up signature and plain garbage all fail.
func TestForgedSolutionsAreRefused(t *testing.T) {
	is := challenge.NewIssuer([]byte("0123456789abcdef0123456789abcdef"))
	now := time.Unix(1_800_000_000, 0)
	ch, err := is.Issue(challenge.Params{Level: 0, Expires: now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	good, ok := challenge.Solve(ch)
	if !ok {
		t.Fatal("unsolved")
	}
	wrong := good
	wrong.Number = (good.Number + 1) % (ch.MaxNumber + 1)
	harder := good
	harder.Salt = strings.Replace(good.Salt, "level=0", "level=9", 1)
	later := good
	later.Salt = strings.Replace(good.Salt, "expires=", "expires=9", 1)
	unsigned := good
	unsigned.Signature = strings.Repeat("0", 64)
	tooBig := good
	tooBig.Number = ch.MaxNumber + 1
	for name, payload := range map[string]string{
		"wrong number": wrong.Encode(), "edited level": harder.Encode(), "edited expiry": later.Encode(),
		"made-up signature": unsigned.Encode(), "number past the range": tooBig.Encode(),
	} {
		if _, _, err := is.Verify(payload, now); !errors.Is(err, challenge.ErrForged) {
			t.Errorf("%s: %v, want ErrForged", name, err)
		}
	}
	js, _ := json.Marshal(map[string]any{"algorithm": "SHA-256", "challenge": good.Challenge, "number": good.Number, "salt": good.Salt, "signature": good.Signature})
	for name, payload := range map[string]string{
		"empty": "", "not base64": "%%%", "not JSON": base64.StdEncoding.EncodeToString([]byte("{")),
		"another algorithm": base64.StdEncoding.EncodeToString(js), "too long": strings.Repeat("A", 4096),
	} {
		if _, _, err := is.Verify(payload, now); !errors.Is(err, challenge.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

// TestLevelsDouble: each level doubles the expected work, and the
// ladder stops at MaxLevel.
func TestLevelsDouble(t *testing.T) {
	for l := 1; l <= challenge.MaxLevel; l++ {
		if challenge.ExpectedIterations(l) != 2*challenge.ExpectedIterations(l-1) {
			t.Fatalf("level %d is not twice level %d", l, l-1)
		}
	}
	if challenge.MaxNumber(challenge.MaxLevel+3) != challenge.MaxNumber(challenge.MaxLevel) {
		t.Fatal("levels past the top must be the top")
	}
}
