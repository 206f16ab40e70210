// Package locale holds the words a donor reads, in each language the
// server speaks, and formats numbers, money and dates the way each
// language writes them.
//
// The words live in messages/<lang>.json, one file per language, which a
// translator edits without Go (go-i18n's format: "key": "text", or
// "key": {"one": ..., "other": ...} for a count). English is the source:
// a key missing in another language falls back to English, and a test
// fails when the files' keys differ.
//
// It must not decide which language a request gets (handlers do, from the
// donor's choice) nor store anything.
package locale

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed messages/*.json
var files embed.FS

// Languages are the languages the server speaks, English first.
var Languages = []string{"en", "fr", "es"}

// Known reports whether lang is one of Languages.
func Known(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// names are each language's name in itself, for the switcher.
var names = map[string]string{"en": "English", "fr": "Français", "es": "Español"}

// Name is lang's name in itself ("Français").
func Name(lang string) string { return names[lang] }

// Catalog is every language's messages and formats, loaded once at start.
type Catalog struct {
	def      string
	region   string
	bundle   *i18n.Bundle
	matcher  language.Matcher
	printers map[string]*Printer
	keys     map[string][]string
	// known maps the English of a "known." message to its key: texts that
	// reach a donor from code that speaks English only (models' errors).
	known map[string]string
}

// New loads the message files. def is the site's default language (one of
// Languages); region is the country whose conventions money and dates
// follow where a language differs by country ("US", "CA", "GB"...).
func New(def, region string) (*Catalog, error) {
	if !Known(def) {
		return nil, fmt.Errorf("locale: no language %q (have %s)", def, strings.Join(Languages, ", "))
	}
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	c := &Catalog{def: def, region: strings.ToUpper(region), bundle: b, printers: map[string]*Printer{}, keys: map[string][]string{}}
	var tags []language.Tag
	for _, l := range Languages {
		path := "messages/" + l + ".json"
		if _, err := b.LoadMessageFileFS(files, path); err != nil {
			return nil, fmt.Errorf("locale: %s: %w", path, err)
		}
		keys, err := keysOf(path)
		if err != nil {
			return nil, err
		}
		c.keys[l] = keys
		tags = append(tags, language.Make(l))
	}
	// The default language first: the matcher falls back to its first tag.
	sort.SliceStable(tags, func(i, j int) bool { return tags[i].String() == def && tags[j].String() != def })
	c.matcher = language.NewMatcher(tags)
	c.known = map[string]string{}
	en := &Printer{lang: "en", region: c.region, loc: i18n.NewLocalizer(b, "en")}
	for _, k := range c.keys["en"] {
		if strings.HasPrefix(k, "known.") {
			c.known[en.T(k)] = k
		}
	}
	for _, l := range Languages {
		c.printers[l] = &Printer{lang: l, region: c.region, loc: i18n.NewLocalizer(b, l, "en"), known: c.known}
	}
	return c, nil
}

func keysOf(path string) ([]string, error) {
	data, err := files.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("locale: %s: %w", path, err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, nil
}

// Keys are the message ids lang's file holds, sorted.
func (c *Catalog) Keys(lang string) []string { return c.keys[lang] }

// Default is the site's default language.
func (c *Catalog) Default() string { return c.def }

// Printer writes in lang, or in the default language for one the server
// does not speak.
func (c *Catalog) Printer(lang string) *Printer {
	if p, ok := c.printers[lang]; ok {
		return p
	}
	return c.printers[c.def]
}

// Match is the language an Accept-Language header asks for, and whether
// it asks for one the server speaks at all.
func (c *Catalog) Match(acceptLanguage string) (string, bool) {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return c.def, false
	}
	_, i, conf := c.matcher.Match(tags...)
	if conf == language.No {
		return c.def, false
	}
	order := append([]string{c.def}, without(Languages, c.def)...)
	return order[i], true
}

func without(list []string, s string) []string {
	var out []string
	for _, l := range list {
		if l != s {
			out = append(out, l)
		}
	}
	return out
}

// Choose is the language for a request, in the order donors expect: what
// they chose on the page, what they chose before (stored on them), what
// their browser asks for, then the site's default.
func (c *Catalog) Choose(chosen, stored, acceptLanguage string) string {
	switch {
	case Known(chosen):
		return chosen
	case Known(stored):
		return stored
	}
	l, _ := c.Match(acceptLanguage)
	return l
}
