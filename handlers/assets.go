package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
	"github.com/yuin/goldmark"

	"github.com/indienews/donations/templates"
)

// The site's own assets, built once at start from the embedded files and
// the newsroom's settings: the stylesheet with its accent colour, the
// favicon in that colour, and the logo when it is a file.

type assets struct {
	css, cssVersion string
	favicon         []byte // an ICO holding one 32×32 PNG
	faviconSVG      string
	logo            []byte
	logoType        string
}

func (s *Server) buildAssets() (*assets, error) {
	base, err := templates.Files.ReadFile("static/app.css")
	if err != nil {
		return nil, err
	}
	accent := s.cfg.Brand.Accent
	// The accent follows the settings; the rest of the sheet does not
	// change, so it is one file, one request.
	css := string(base) + "\n:root { --accent: " + accent + "; }\n"
	sum := sha256.Sum256([]byte(css))
	a := &assets{css: css, cssVersion: hex.EncodeToString(sum[:6]), logo: s.cfg.Brand.LogoData, logoType: s.cfg.Brand.LogoType}
	initial := "D"
	if r, _ := utf8.DecodeRuneInString(strings.TrimSpace(s.cfg.Org.Name)); r != utf8.RuneError && unicode.IsLetter(r) {
		initial = string(unicode.ToUpper(r))
	}
	a.faviconSVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="` + accent +
		`"/><text x="16" y="23" font-family="system-ui,sans-serif" font-size="20" font-weight="700" fill="#fff" text-anchor="middle">` +
		template.HTMLEscapeString(initial) + `</text></svg>`
	if a.favicon, err = icoOf(accent); err != nil {
		return nil, err
	}
	return a, nil
}

// icoOf is a 32×32 favicon.ico in the accent colour, for the browsers and
// tools that ask for /favicon.ico whatever the page says.
func icoOf(accent string) ([]byte, error) {
	var r, g, b uint8
	if _, err := fmt.Sscanf(accent, "#%02x%02x%02x", &r, &g, &b); err != nil {
		return nil, err
	}
	img := image.NewNRGBA(image.Rect(0, 0, 32, 32))
	for y := 0; y < 32; y++ {
		for x := 0; x < 32; x++ {
			img.SetNRGBA(x, y, color.NRGBA{r, g, b, 255})
		}
	}
	var p bytes.Buffer
	if err := png.Encode(&p, img); err != nil {
		return nil, err
	}
	var ico bytes.Buffer
	binary.Write(&ico, binary.LittleEndian, []uint16{0, 1, 1}) // reserved, type icon, one image
	ico.Write([]byte{32, 32, 0, 0})                            // width, height, no palette, reserved
	binary.Write(&ico, binary.LittleEndian, []uint16{1, 32})   // planes, bits per pixel
	binary.Write(&ico, binary.LittleEndian, []uint32{uint32(p.Len()), 22})
	ico.Write(p.Bytes())
	return ico.Bytes(), nil
}

// assetRoutes serves the built assets.
func (s *Server) assetRoutes(r *gin.Engine) {
	icon := func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=86400")
		c.Data(http.StatusOK, "image/x-icon", s.assets.favicon)
	}
	r.GET("/favicon.ico", icon)
	r.HEAD("/favicon.ico", icon)
	r.GET("/favicon.svg", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=86400")
		c.Data(http.StatusOK, "image/svg+xml", []byte(s.assets.faviconSVG))
	})
	if s.assets.logo != nil {
		r.GET("/brand/logo", func(c *gin.Context) {
			// An SVG opened on its own runs no script here.
			c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
			c.Header("Cache-Control", "public, max-age=3600")
			c.Data(http.StatusOK, s.assets.logoType, s.assets.logo)
		})
	}
}

// defaultAppeal stands above the form until APPEAL_TEXT says more.
// renderAppeal turns APPEAL_TEXT's Markdown into HTML once, at start.
// goldmark drops raw HTML and dangerous link schemes by default; links open
// in the same tab.
// def is the appeal of a newsroom that wrote none, in the page's language.
func renderAppeal(md, def string) (template.HTML, error) {
	if strings.TrimSpace(md) == "" {
		md = def
	}
	var buf bytes.Buffer
	if err := goldmark.New().Convert([]byte(md), &buf); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil // goldmark escaped it
}

// serveCSS answers /static/app.css with the built stylesheet.
func (s *Server) serveCSS(c *gin.Context) {
	// Versioned in the page's link, so a browser may keep it a year.
	if c.Query("v") == s.assets.cssVersion {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "public, max-age=3600")
	}
	c.Data(http.StatusOK, "text/css; charset=utf-8", []byte(s.assets.css))
}

// Compress wraps the router: HTML, CSS, JavaScript, SVG, JSON and CSV go
// out gzip- or zstd-compressed to clients that accept it. Form tokens are
// masked afresh on every page, so compression does not leak them (BREACH).
// At gzip's fastest level /donate and its assets go out in 6.3 KB, against
// 5.5 KB at the default level for about twice the work; pages are made per
// request, so that work is paid on every one (make bench).
// benchreport serves its baseline through this same wrapper.
func Compress(h http.Handler) (http.Handler, error) {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(512), gzhttp.CompressionLevel(gzip.BestSpeed), gzhttp.ContentTypes([]string{
		"text/html", "text/css", "text/javascript", "application/javascript", "image/svg+xml", "application/json",
		"text/csv", "text/plain",
	}))
	if err != nil {
		return nil, err
	}
	return wrap(h), nil
}
