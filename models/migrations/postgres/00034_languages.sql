-- +goose Up
-- The language a donor reads, kept so that later emails and receipts come
-- in it; the language a gift was made in; the language (or two, "en,fr")
-- a receipt was issued in, frozen with the rest of it. '' is the site's
-- default, as it was before languages.
ALTER TABLE donors ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE gifts ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE receipts ADD COLUMN language TEXT NOT NULL DEFAULT '';
-- A campaign's intro in other languages, as a JSON object by language.
ALTER TABLE campaigns ADD COLUMN intro_translations TEXT NOT NULL DEFAULT '{}';
