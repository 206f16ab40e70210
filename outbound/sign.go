// Package outbound signs events the way the Standard Webhooks
// specification says and posts them to the endpoints newsrooms register,
// through an HTTP client that will not reach inside our own network.
// It must not touch the database: models keeps the outbox and the
// delivery log, jobs decides when to send.
package outbound

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// The headers of a signed delivery.
const (
	HeaderID        = standardwebhooks.HeaderWebhookID
	HeaderTimestamp = standardwebhooks.HeaderWebhookTimestamp
	HeaderSignature = standardwebhooks.HeaderWebhookSignature
)

// SecretPrefix starts every signing secret we hand out.
const SecretPrefix = "whsec_"

// secretBytes is the key length: the specification asks for 24 to 64.
const secretBytes = 32

// NewSecret returns a fresh signing secret, "whsec_" and base64 of random
// bytes.
func NewSecret() (string, error) {
	key := make([]byte, secretBytes)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("outbound: new secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// Sign returns the webhook-signature value for one attempt: a "v1,"
// signature per secret, space-separated, so that during a rotation a
// receiver holding either the old or the new secret accepts it.
func Sign(id string, at time.Time, body []byte, secrets ...string) (string, error) {
	if len(secrets) == 0 {
		return "", errors.New("outbound: sign: no secret")
	}
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		if !strings.HasPrefix(s, SecretPrefix) {
			return "", errors.New("outbound: sign: a secret does not start with " + SecretPrefix)
		}
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			return "", fmt.Errorf("outbound: sign: %w", err)
		}
		sig, err := wh.Sign(id, at, body)
		if err != nil {
			return "", fmt.Errorf("outbound: sign: %w", err)
		}
		sigs = append(sigs, sig)
	}
	return strings.Join(sigs, " "), nil
}

// Headers returns the three signed headers of one attempt at time at.
func Headers(id string, at time.Time, body []byte, secrets ...string) (http.Header, error) {
	sig, err := Sign(id, at, body, secrets...)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	h.Set(HeaderSignature, sig)
	return h, nil
}
