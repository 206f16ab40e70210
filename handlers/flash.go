package handlers

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"net/http"

	"github.com/gin-gonic/gin"
)

const flashCookie = "flash"

// setFlash leaves a one-time message for the page a successful POST
// redirects to (post, redirect, get, as miniflux and snippetbox do): a
// reload of that page never repeats the action, and the message shows
// once. It is sealed with AES-GCM under a key from SECRET_KEY: nobody else
// can put words on our pages, and a message that carries a new staff
// member's password cannot be read from the cookie.
func (s *Server) setFlash(c *gin.Context, msg string) {
	sealed, err := s.sealFlash([]byte(msg))
	if err != nil {
		// Only a broken random source gets here; the action itself is done.
		s.logger(c).Error("sealing a flash message", "err", err)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: flashCookie, Value: sealed, Path: "/", MaxAge: 120,
		HttpOnly: true, Secure: s.cfg.BaseURL.Scheme == "https", SameSite: http.SameSiteLaxMode})
}

// takeFlash returns the message left by setFlash, once.
func (s *Server) takeFlash(c *gin.Context) string {
	raw, err := c.Cookie(flashCookie)
	if err != nil || raw == "" {
		return ""
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.BaseURL.Scheme == "https", SameSite: http.SameSiteLaxMode})
	msg, err := s.openFlash(raw)
	if err != nil {
		return "" // not ours, or tampered with: shown as nothing
	}
	return string(msg)
}

func (s *Server) flashAEAD() (cipher.AEAD, error) {
	block, err := aes.NewCipher(derivedKey(s.secret, "flash"))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func (s *Server) sealFlash(msg []byte) (string, error) {
	aead, err := s.flashAEAD()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, msg, []byte(flashCookie))), nil
}

func (s *Server) openFlash(v string) ([]byte, error) {
	aead, err := s.flashAEAD()
	if err != nil {
		return nil, err
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(b) < aead.NonceSize() {
		return nil, http.ErrNoCookie
	}
	return aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte(flashCookie))
}
