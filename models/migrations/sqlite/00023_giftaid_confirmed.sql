-- +goose Up
-- A Gift Aid declaration counts once it is confirmed: made with a gift
-- that was then paid (it binds to that payment's donor), or by the
-- donor signed in. One made with a gift never paid never counts, so a
-- stranger's declaration cannot attach to another's gifts. The ones
-- already made count as they did when their gift was paid, or when
-- they came with no gift.
ALTER TABLE giftaid_declarations ADD COLUMN confirmed_at DATETIME;
UPDATE giftaid_declarations SET confirmed_at = declared_at
	WHERE gift_id IS NULL OR gift_id IN (SELECT id FROM gifts WHERE status IN ('paid', 'refunded'));
CREATE INDEX giftaid_declarations_donor ON giftaid_declarations (donor_id);
