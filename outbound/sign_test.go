package outbound_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/outbound"
)

// The specification's published example (its libraries' shared test
// vector): key, message id, timestamp, body and the signature expected.
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = 1614265330
	specBody      = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignMatchesTheSpecificationsExample(t *testing.T) {
	got, err := outbound.Sign(specID, time.Unix(specTimestamp, 0), []byte(specBody), specSecret)
	if err != nil {
		t.Fatal(err)
	}
	if got != specSignature {
		t.Fatalf("signature %q, the specification says %q", got, specSignature)
	}
	if v := verify(t, specSecret, specID, "1614265330", specBody, got); !v {
		t.Fatal("the independent verifier rejects the specification's own example")
	}
}

func TestSignDuringRotationCarriesBothSignatures(t *testing.T) {
	old, err := outbound.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	cur, err := outbound.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if old == cur || !strings.HasPrefix(cur, "whsec_") {
		t.Fatalf("secrets %q %q", old, cur)
	}
	at := time.Unix(1700000000, 0)
	h, err := outbound.Headers("msg_1", at, []byte(`{"a":1}`), cur, old)
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("webhook-id") != "msg_1" || h.Get("webhook-timestamp") != "1700000000" {
		t.Fatalf("headers %v", h)
	}
	sig := h.Get("webhook-signature")
	if n := len(strings.Fields(sig)); n != 2 {
		t.Fatalf("%d signatures in %q, want 2", n, sig)
	}
	for _, s := range []string{old, cur} {
		if !verify(t, s, "msg_1", "1700000000", `{"a":1}`, sig) {
			t.Fatalf("a receiver holding one of the two secrets rejects %q", sig)
		}
	}
	other, _ := outbound.NewSecret()
	if verify(t, other, "msg_1", "1700000000", `{"a":1}`, sig) {
		t.Fatal("a third secret verifies")
	}
	if verify(t, cur, "msg_1", "1700000000", `{"a":2}`, sig) {
		t.Fatal("a changed body verifies")
	}
}

func TestSignRefusesNoSecretAndBadSecrets(t *testing.T) {
	for _, secrets := range [][]string{nil, {""}, {"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, {"whsec_"}, {"whsec_!!!"}} {
		if _, err := outbound.Sign("msg", time.Now(), nil, secrets...); err == nil {
			t.Errorf("Sign with %q: no error", secrets)
		}
	}
}

// verify is the receiver's side, written from the specification without
// the library: HMAC-SHA256 over id.timestamp.body with the secret's
// decoded bytes, compared with each space-separated "v1," signature.
func verify(t *testing.T, secret, id, ts, body, header string) bool {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + body))
	want := mac.Sum(nil)
	for _, part := range strings.Fields(header) {
		version, sig, ok := strings.Cut(part, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}
