// Package challenge is the proof of work asked of every form that starts a
// Checkout Session, against card testing without a third party.
//
// It follows ALTCHA's scheme: the server picks a secret number, sends the
// result of a one-way function of it with the salt, and signs that result
// with an HMAC; the browser finds the number by trying every one up to
// MaxNumber, and the server checks the signature and the number, statelessly.
// The parameters (expiry, difficulty, the email domain it was issued for)
// ride in the salt, so the signature covers them. The work function is
// PBKDF2-SHA256 with Cost iterations, as in ALTCHA's key-derivation modes,
// rather than one SHA-256: the browser runs each attempt inside WebCrypto
// at native speed, so a bot's native code gains little over a reader's
// phone. The package knows nothing of HTTP, the database or who may pass:
// the caller decides the level and keeps the spent challenges.
package challenge

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Algorithm names the work function, as the browser's solver expects it.
const Algorithm = "PBKDF2/SHA-256"

// The difficulty ladder. Level 0 asks for BaseNumber/2 attempts on
// average; each level doubles it, up to MaxLevel, the circuit breaker's.
// One attempt is Cost PBKDF2 iterations (about 0.18 ms of one core here,
// in Go or in Chromium's WebCrypto).
const (
	Cost       = 1000
	BaseNumber = 500
	MaxLevel   = 11
	// TTL is how long a challenge may be used: long enough to fill in the
	// form after the page solved it on load.
	TTL = 20 * time.Minute
)

// MaxNumber is the largest secret number at level.
func MaxNumber(level int) int64 { return int64(BaseNumber) << min(max(level, 0), MaxLevel) }

// ExpectedIterations is the average work of a level, in PBKDF2 iterations.
func ExpectedIterations(level int) int64 { return MaxNumber(level) / 2 * Cost }

// Params are what a challenge carries, signed.
type Params struct {
	Level   int
	Domain  string // the email domain it was issued for; "" when none was typed yet
	Expires time.Time
}

// Challenge is what the browser receives (JSON).
type Challenge struct {
	Algorithm string `json:"algorithm"`
	Challenge string `json:"challenge"`
	MaxNumber int64  `json:"maxnumber"`
	Salt      string `json:"salt"`
	Signature string `json:"signature"`
	Cost      int    `json:"cost"`
}

// Solution is what the browser sends back in the form, base64 of JSON.
type Solution struct {
	Algorithm string `json:"algorithm"`
	Challenge string `json:"challenge"`
	Number    int64  `json:"number"`
	Salt      string `json:"salt"`
	Signature string `json:"signature"`
}

// Encode is the form field's value for s.
func (s Solution) Encode() string {
	b, _ := json.Marshal(s)
	return base64.StdEncoding.EncodeToString(b)
}

// The ways a solution fails.
var (
	ErrMalformed = errors.New("challenge: not a solution")
	ErrForged    = errors.New("challenge: signature or number does not match")
	ErrExpired   = errors.New("challenge: expired")
)

// Issuer makes and checks challenges with one key.
type Issuer struct {
	key []byte
}

// NewIssuer derives the challenges' HMAC key from the server's secret, so
// that every instance with the same SECRET_KEY checks the others'.
func NewIssuer(secret []byte) *Issuer {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("donations: proof-of-work challenge v1"))
	return &Issuer{key: m.Sum(nil)}
}

// Issue makes a challenge with p's parameters.
func (i *Issuer) Issue(p Params) (Challenge, error) {
	var nonce [12]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return Challenge{}, err
	}
	maxN := MaxNumber(p.Level)
	secret, err := rand.Int(rand.Reader, big.NewInt(maxN+1))
	if err != nil {
		return Challenge{}, err
	}
	q := url.Values{"expires": {strconv.FormatInt(p.Expires.Unix(), 10)}, "level": {strconv.Itoa(p.Level)},
		"cost": {strconv.Itoa(Cost)}}
	if p.Domain != "" {
		q.Set("domain", p.Domain)
	}
	salt := hex.EncodeToString(nonce[:]) + "?" + q.Encode()
	ch := work(secret.Int64(), salt, Cost)
	if ch == "" {
		return Challenge{}, errors.New("challenge: PBKDF2 refused")
	}
	return Challenge{Algorithm: Algorithm, Challenge: ch, MaxNumber: maxN, Salt: salt, Signature: i.sign(ch), Cost: Cost}, nil
}

// Verify checks a form's solution and returns its parameters and the
// challenge it solved (the key to spend it under). The signature is
// checked before any work is done, so forged solutions cost one HMAC.
func (i *Issuer) Verify(payload string, now time.Time) (Params, string, error) {
	if payload == "" || len(payload) > 2048 {
		return Params{}, "", ErrMalformed
	}
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return Params{}, "", ErrMalformed
	}
	var s Solution
	if err := json.Unmarshal(raw, &s); err != nil || s.Algorithm != Algorithm || s.Number < 0 {
		return Params{}, "", ErrMalformed
	}
	if !hmac.Equal([]byte(i.sign(s.Challenge)), []byte(s.Signature)) {
		return Params{}, "", ErrForged
	}
	p, cost, err := parseSalt(s.Salt)
	if err != nil {
		return Params{}, "", ErrForged
	}
	if s.Number > MaxNumber(p.Level) || s.Challenge == "" || !hmac.Equal([]byte(work(s.Number, s.Salt, cost)), []byte(s.Challenge)) {
		return Params{}, "", ErrForged
	}
	if !now.Before(p.Expires) {
		return p, s.Challenge, ErrExpired
	}
	return p, s.Challenge, nil
}

func (i *Issuer) sign(challenge string) string {
	m := hmac.New(sha256.New, i.key)
	m.Write([]byte(challenge))
	return hex.EncodeToString(m.Sum(nil))
}

func parseSalt(salt string) (Params, int, error) {
	_, query, ok := strings.Cut(salt, "?")
	if !ok {
		return Params{}, 0, errors.New("no parameters")
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return Params{}, 0, err
	}
	exp, err1 := strconv.ParseInt(q.Get("expires"), 10, 64)
	level, err2 := strconv.Atoi(q.Get("level"))
	cost, err3 := strconv.Atoi(q.Get("cost"))
	if err := errors.Join(err1, err2, err3); err != nil || cost < 1 || level < 0 || level > MaxLevel {
		return Params{}, 0, fmt.Errorf("bad parameters %q", query)
	}
	return Params{Level: level, Domain: q.Get("domain"), Expires: time.Unix(exp, 0)}, cost, nil
}

// work is the one-way function: PBKDF2-SHA256 of the number, salted.
func work(number int64, salt string, cost int) string {
	k, err := pbkdf2.Key(sha256.New, strconv.FormatInt(number, 10), []byte(salt), cost, 32)
	if err != nil {
		return "" // FIPS mode's refusals only; "" matches no challenge
	}
	return hex.EncodeToString(k)
}

// Solve finds a challenge's number as a browser does, one attempt after
// another; the tests and the card-testing measurement solve with it.
func Solve(c Challenge) (Solution, bool) {
	for n := int64(0); n <= c.MaxNumber; n++ {
		if work(n, c.Salt, c.Cost) == c.Challenge {
			return Solution{Algorithm: c.Algorithm, Challenge: c.Challenge, Number: n, Salt: c.Salt, Signature: c.Signature}, true
		}
	}
	return Solution{}, false
}
