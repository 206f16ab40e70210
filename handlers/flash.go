package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

const flashCookie = "flash"

// setFlash leaves a one-time message for the page a successful POST
// redirects to (post, redirect, get): a reload of that page never repeats
// the action, and the message shows once. It is signed, so nobody else can
// put words on our pages.
func (s *Server) setFlash(c *gin.Context, msg string) {
	v := base64.RawURLEncoding.EncodeToString([]byte(msg))
	http.SetCookie(c.Writer, &http.Cookie{Name: flashCookie, Value: v + "." + s.flashMAC(v), Path: "/", MaxAge: 120,
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
	v, mac, ok := strings.Cut(raw, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(s.flashMAC(v))) {
		return ""
	}
	msg, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return ""
	}
	return string(msg)
}

func (s *Server) flashMAC(v string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("flash:" + v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
