-- +goose Up
-- A refund's row holds what that refund took (amount) and the charge's
-- refunded total after it (refunded_total): Stripe reports the total,
-- and summing totals counted two-step refunds twice. Rows recorded
-- before hold the total as their amount: each becomes the increment
-- over the charge's earlier refund rows.
ALTER TABLE payment_adjustments ADD COLUMN refunded_total BIGINT NOT NULL DEFAULT 0;
UPDATE payment_adjustments SET refunded_total = amount WHERE kind = 'refund';
UPDATE payment_adjustments SET amount = amount - COALESCE((SELECT MAX(p.refunded_total) FROM payment_adjustments p
	WHERE p.kind = 'refund' AND p.stripe_charge_id = payment_adjustments.stripe_charge_id AND p.stripe_charge_id <> ''
	AND p.created_at < payment_adjustments.created_at), 0)
	WHERE kind = 'refund' AND stripe_charge_id <> '';
UPDATE payment_adjustments SET amount = 0 WHERE kind = 'refund' AND amount < 0;
