// Package templates embeds every page, partial and static asset, so the
// binary carries its own UI. It holds no logic beyond exposing the files.
package templates

import "embed"

// Files holds layout.html, the pages/, the static/ assets and the email/
// bodies (a .txt with "subject" and "text", a .html with "html", per kind).
//
//go:embed layout.html pages/*.html static/* email/*
var Files embed.FS
