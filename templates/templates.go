// Package templates embeds every page, partial and static asset, so the
// binary carries its own UI. It holds no logic beyond exposing the files.
package templates

import "embed"

// Files holds layout.html, the pages/ and the static/ assets.
//
//go:embed layout.html pages/*.html static/*
var Files embed.FS
