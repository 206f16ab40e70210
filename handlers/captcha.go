package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/indienews/donations/config"
)

// captchaVerifier checks the token a Turnstile or hCaptcha widget put in
// the donate form. Both providers answer the same siteverify call: the
// secret, the token and the donor's IP posted as a form, and JSON with
// "success" back.
type captchaVerifier struct {
	cfg    config.Captcha
	client *http.Client
}

var errCaptchaUnavailable = errors.New("captcha provider unavailable")

// verify reports whether token passes. A provider that cannot be reached
// is an error, not a pass: the check exists for when someone is trying.
func (v *captchaVerifier) verify(ctx context.Context, token, remoteIP string) (bool, error) {
	if strings.TrimSpace(token) == "" || len(token) > 4096 {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	form := url.Values{"secret": {v.cfg.SecretKey}, "response": {token}, "remoteip": {remoteIP}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.cfg.VerifyURL, strings.NewReader(form.Encode()))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := v.client.Do(req)
	if err != nil {
		return false, fmt.Errorf("%w: %v", errCaptchaUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("%w: status %d", errCaptchaUnavailable, resp.StatusCode)
	}
	var out struct {
		Success    bool     `json:"success"`
		ErrorCodes []string `json:"error-codes"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&out); err != nil {
		return false, fmt.Errorf("%w: %v", errCaptchaUnavailable, err)
	}
	return out.Success, nil
}
