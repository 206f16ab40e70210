-- +goose Up
-- A receipt's email is queued before the receipt takes its number, so
-- that the counter's lock, which every receipt waits for, is held for
-- fewer statements (issueReceipt). Its reference to the receipt is
-- checked at the commit, when the receipt is there.
ALTER TABLE email_messages ALTER CONSTRAINT email_messages_receipt_id_fkey DEFERRABLE INITIALLY DEFERRED;

-- +goose Down
ALTER TABLE email_messages ALTER CONSTRAINT email_messages_receipt_id_fkey NOT DEFERRABLE;
