package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// migration is one versioned schema change. The SQL is written once in
// Postgres terms; sqlite() rewrites the few types SQLite spells otherwise.
type migration struct {
	Version int
	Name    string
	SQL     string
}

// migrations run in order, each in its own transaction, and are recorded in
// schema_migrations. Never edit one that has shipped: add a new one.
var migrations = []migration{
	{1, "ledger", `
CREATE TABLE donors (
	id TEXT PRIMARY KEY,
	email TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL DEFAULT '',
	address_line1 TEXT NOT NULL DEFAULT '',
	address_city TEXT NOT NULL DEFAULT '',
	address_postal_code TEXT NOT NULL DEFAULT '',
	address_country TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE gifts (
	id TEXT PRIMARY KEY,
	donor_id TEXT REFERENCES donors(id),
	status TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'paid', 'failed', 'refunded')),
	source TEXT NOT NULL,
	frequency TEXT NOT NULL CHECK (frequency IN ('once', 'month', 'year')),
	amount BIGINT NOT NULL CHECK (amount >= 0),
	fee_amount BIGINT NOT NULL DEFAULT 0 CHECK (fee_amount >= 0),
	total_amount BIGINT NOT NULL CHECK (total_amount >= 0),
	currency TEXT NOT NULL,
	email TEXT NOT NULL DEFAULT '',
	name TEXT NOT NULL DEFAULT '',
	address_line1 TEXT NOT NULL DEFAULT '',
	address_city TEXT NOT NULL DEFAULT '',
	address_postal_code TEXT NOT NULL DEFAULT '',
	address_country TEXT NOT NULL DEFAULT '',
	dedication_type TEXT NOT NULL DEFAULT '',
	dedication_name TEXT NOT NULL DEFAULT '',
	anonymous BOOLEAN NOT NULL DEFAULT FALSE,
	stripe_session_id TEXT UNIQUE,
	stripe_payment_intent_id TEXT,
	livemode BOOLEAN NOT NULL DEFAULT FALSE,
	paid_at TIMESTAMPTZ,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX gifts_donor_id ON gifts (donor_id);
CREATE INDEX gifts_payment_intent ON gifts (stripe_payment_intent_id);

-- One row per fiscal year; incremented inside the transaction that issues a
-- receipt, so a rolled-back issue gives its number back and numbers stay
-- gap-free.
CREATE TABLE receipt_counters (
	fiscal_year INTEGER PRIMARY KEY,
	last_number BIGINT NOT NULL
);

CREATE TABLE receipts (
	id TEXT PRIMARY KEY,
	number TEXT NOT NULL UNIQUE,
	fiscal_year INTEGER NOT NULL,
	sequence BIGINT NOT NULL,
	issue_key TEXT NOT NULL UNIQUE,
	gift_id TEXT NOT NULL REFERENCES gifts(id),
	status TEXT NOT NULL CHECK (status IN ('issued', 'void')),
	void_reason TEXT NOT NULL DEFAULT '',
	voided_at TIMESTAMPTZ,
	replaces TEXT NOT NULL DEFAULT '',
	issued_at TIMESTAMPTZ NOT NULL,
	gift_date TIMESTAMPTZ NOT NULL,
	donor_id TEXT REFERENCES donors(id),
	donor_name TEXT NOT NULL,
	donor_email TEXT NOT NULL,
	donor_address_line1 TEXT NOT NULL DEFAULT '',
	donor_address_city TEXT NOT NULL DEFAULT '',
	donor_address_postal_code TEXT NOT NULL DEFAULT '',
	donor_address_country TEXT NOT NULL DEFAULT '',
	amount BIGINT NOT NULL,
	currency TEXT NOT NULL,
	fee_covered BIGINT NOT NULL DEFAULT 0,
	benefit_description TEXT NOT NULL DEFAULT '',
	benefit_value BIGINT NOT NULL DEFAULT 0,
	deductible_amount BIGINT NOT NULL,
	org_name TEXT NOT NULL,
	org_tax_id TEXT NOT NULL DEFAULT '',
	org_address TEXT NOT NULL DEFAULT '',
	wording_version TEXT NOT NULL,
	stripe_payment_id TEXT NOT NULL DEFAULT '',
	verification_code TEXT NOT NULL UNIQUE,
	UNIQUE (fiscal_year, sequence)
);
CREATE INDEX receipts_gift_id ON receipts (gift_id);

-- Every Stripe event we accepted, by id: inserted in the same transaction as
-- its effects, so a duplicate delivery finds it and changes nothing.
CREATE TABLE stripe_events (
	id TEXT PRIMARY KEY,
	type TEXT NOT NULL,
	api_version TEXT NOT NULL,
	livemode BOOLEAN NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	received_at TIMESTAMPTZ NOT NULL,
	outcome TEXT NOT NULL
);
`},
	{2, "memberships_refunds_disputes", `
ALTER TABLE gifts ADD COLUMN membership_id TEXT;
ALTER TABLE gifts ADD COLUMN stripe_invoice_id TEXT;
ALTER TABLE gifts ADD COLUMN stripe_charge_id TEXT;
ALTER TABLE gifts ADD COLUMN refunded_amount BIGINT NOT NULL DEFAULT 0;
ALTER TABLE gifts ADD COLUMN dispute_status TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX gifts_invoice ON gifts (stripe_invoice_id);
CREATE INDEX gifts_charge ON gifts (stripe_charge_id);
CREATE INDEX gifts_membership ON gifts (membership_id);
ALTER TABLE receipts ADD COLUMN frequency TEXT NOT NULL DEFAULT 'once';

-- One row per Stripe subscription. state_as_of is the Stripe-side time of
-- the newest state applied, so an older event arriving late changes nothing.
CREATE TABLE memberships (
	id TEXT PRIMARY KEY,
	donor_id TEXT REFERENCES donors(id),
	gift_id TEXT,
	stripe_subscription_id TEXT NOT NULL UNIQUE,
	stripe_customer_id TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	amount BIGINT NOT NULL DEFAULT 0,
	currency TEXT NOT NULL DEFAULT '',
	billing_interval TEXT NOT NULL DEFAULT '',
	tier_name TEXT NOT NULL DEFAULT '',
	benefit_description TEXT NOT NULL DEFAULT '',
	benefit_value_per_year BIGINT NOT NULL DEFAULT 0,
	current_period_end TIMESTAMPTZ,
	cancel_at_period_end BOOLEAN NOT NULL DEFAULT FALSE,
	started_at TIMESTAMPTZ,
	ended_at TIMESTAMPTZ,
	state_as_of TIMESTAMPTZ,
	last_failed_invoice_id TEXT NOT NULL DEFAULT '',
	last_failed_at TIMESTAMPTZ,
	last_failed_url TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX memberships_donor ON memberships (donor_id);

-- Refunds and disputes as Stripe reported them, matched to a gift or not
-- (a payment from before installation): kept and reported, never an error.
CREATE TABLE payment_adjustments (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL,
	event_id TEXT NOT NULL,
	gift_id TEXT REFERENCES gifts(id),
	stripe_charge_id TEXT NOT NULL DEFAULT '',
	stripe_payment_intent_id TEXT NOT NULL DEFAULT '',
	stripe_object_id TEXT NOT NULL DEFAULT '',
	amount BIGINT NOT NULL,
	currency TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX payment_adjustments_gift ON payment_adjustments (gift_id);
`},
	{3, "receipt_rules_fields", `
-- What the configured rule set prints (CRA: place of issue and the
-- authorised signature), frozen like everything else on a receipt.
ALTER TABLE receipts ADD COLUMN place_of_issue TEXT NOT NULL DEFAULT '';
ALTER TABLE receipts ADD COLUMN signatory TEXT NOT NULL DEFAULT '';
CREATE INDEX receipts_replaces ON receipts (replaces);
`},
	{4, "email_and_donor_accounts", `
-- Every email we mean to send, keyed so that one (receipt or event, kind)
-- gives one message whatever is retried. Written in the same transaction
-- as its cause, with the River job that sends it.
CREATE TABLE email_messages (
	id TEXT PRIMARY KEY,
	dedupe_key TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL,
	to_address TEXT NOT NULL,
	status TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	receipt_id TEXT REFERENCES receipts(id),
	donor_id TEXT REFERENCES donors(id),
	membership_id TEXT REFERENCES memberships(id),
	fiscal_year INTEGER NOT NULL DEFAULT 0,
	link TEXT NOT NULL DEFAULT '',
	subject TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	sent_at TIMESTAMPTZ
);
CREATE INDEX email_messages_status ON email_messages (status);
CREATE INDEX email_messages_donor ON email_messages (donor_id);

-- Sign-in links for donors: only a hash of the token is kept.
CREATE TABLE donor_login_tokens (
	id TEXT PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,
	email TEXT NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL,
	used_at TIMESTAMPTZ,
	created_at TIMESTAMPTZ NOT NULL
);

-- Donor sessions, server-side, by a hash of the cookie's token.
CREATE TABLE donor_sessions (
	id TEXT PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,
	donor_id TEXT NOT NULL REFERENCES donors(id),
	created_at TIMESTAMPTZ NOT NULL,
	last_seen_at TIMESTAMPTZ NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL
);
`},
	{5, "staff_area", `
CREATE TABLE staff_users (
	id TEXT PRIMARY KEY,
	email TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
	disabled BOOLEAN NOT NULL DEFAULT FALSE,
	created_at TIMESTAMPTZ NOT NULL,
	last_login_at TIMESTAMPTZ
);
CREATE TABLE staff_sessions (
	id TEXT PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,
	staff_id TEXT NOT NULL REFERENCES staff_users(id),
	created_at TIMESTAMPTZ NOT NULL,
	last_seen_at TIMESTAMPTZ NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE staff_setup_tokens (
	token_hash TEXT PRIMARY KEY,
	expires_at TIMESTAMPTZ NOT NULL,
	used_at TIMESTAMPTZ
);
-- Who did what, when: sign-ins, failed sign-ins, downloads, merges, voids,
-- resends. Append-only.
CREATE TABLE audit_log (
	id TEXT PRIMARY KEY,
	staff_email TEXT NOT NULL,
	action TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT '',
	ip TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_log_created ON audit_log (created_at);
ALTER TABLE donors ADD COLUMN merged_into TEXT;
CREATE TABLE donor_merges (
	id TEXT PRIMARY KEY,
	from_donor_id TEXT NOT NULL REFERENCES donors(id),
	into_donor_id TEXT NOT NULL REFERENCES donors(id),
	staff_email TEXT NOT NULL,
	gifts_moved INTEGER NOT NULL,
	receipts_moved INTEGER NOT NULL,
	memberships_moved INTEGER NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX gifts_paid_at ON gifts (paid_at);
CREATE INDEX donors_name ON donors (name);
`},
	// The verification address is part of a receipt's text: frozen at
	// issue like the rest, so a move of BASE_URL does not change it.
	// Receipts issued before have '' and print the current address.
	{6, "receipt_verify_url", `
ALTER TABLE receipts ADD COLUMN verify_url TEXT NOT NULL DEFAULT '';
`},
	// A donor's receipts of a year (statements, the donor's page, merges)
	// were found by scanning every receipt: the statements benchmark
	// showed a year's zip for 10,000 donors spending most of its time there.
	{7, "receipts_by_donor", `
CREATE INDEX receipts_donor_year ON receipts (donor_id, fiscal_year, sequence);
`},
	// Staff sign-in attempts, reserved before the password is checked so
	// that parallel guesses are counted as they start, not as they end.
	// client is the IP address (an IPv6 client by its /64).
	{8, "staff_sign_in_attempts", `
CREATE TABLE staff_sign_in_attempts (
	id TEXT PRIMARY KEY,
	email TEXT NOT NULL,
	client TEXT NOT NULL,
	outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'failed', 'succeeded', 'unchecked')),
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX staff_sign_in_attempts_client ON staff_sign_in_attempts (client, created_at);
CREATE INDEX staff_sign_in_attempts_pair ON staff_sign_in_attempts (email, client, created_at);
`},
	// A receipt freezes whether real money paid it (a demo or Stripe
	// test-mode receipt says it is not one) and the time zone its dates
	// print in. Receipts from before say '' and print in TIMEZONE.
	{9, "receipt_livemode_and_time_zone", `
ALTER TABLE receipts ADD COLUMN livemode BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE receipts SET livemode = TRUE WHERE gift_id IN (SELECT id FROM gifts WHERE livemode);
ALTER TABLE receipts ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
`},
	// What Stripe did with the money: each balance transaction (a charge's
	// gross, fee and net in the settlement currency, a refund, a dispute's
	// debit or reversal, a fee), and the payouts that took it to the bank.
	// exchange_rate is kept as Stripe's decimal text, never a float.
	{10, "balance_transactions_and_payouts", `
CREATE TABLE payouts (
	id TEXT PRIMARY KEY,
	amount BIGINT NOT NULL,
	currency TEXT NOT NULL,
	status TEXT NOT NULL,
	arrival_date TIMESTAMPTZ,
	failure_message TEXT NOT NULL DEFAULT '',
	livemode BOOLEAN NOT NULL DEFAULT FALSE,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX payouts_arrival ON payouts (arrival_date);
CREATE TABLE balance_transactions (
	id TEXT PRIMARY KEY,
	type TEXT NOT NULL,
	source_id TEXT NOT NULL DEFAULT '',
	charge_id TEXT NOT NULL DEFAULT '',
	amount BIGINT NOT NULL,
	fee BIGINT NOT NULL,
	net BIGINT NOT NULL,
	currency TEXT NOT NULL,
	exchange_rate TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL,
	available_on TIMESTAMPTZ,
	payout_id TEXT
);
CREATE INDEX balance_transactions_charge ON balance_transactions (charge_id);
CREATE INDEX balance_transactions_payout ON balance_transactions (payout_id);
`},
	// The authorised signature drawn on Canadian receipts, kept by its
	// hash so each receipt renders with the image it was issued with.
	{11, "receipt_signatures", `
CREATE TABLE receipt_signatures (
	id TEXT PRIMARY KEY,
	png BYTEA NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
ALTER TABLE receipts ADD COLUMN signature_id TEXT NOT NULL DEFAULT '';
`},
	// An address's second line (apartment, suite) and its state or
	// province: a Canadian receipt must print the donor's full address.
	{12, "address_line2_and_state", `
ALTER TABLE donors ADD COLUMN address_line2 TEXT NOT NULL DEFAULT '';
ALTER TABLE donors ADD COLUMN address_state TEXT NOT NULL DEFAULT '';
ALTER TABLE gifts ADD COLUMN address_line2 TEXT NOT NULL DEFAULT '';
ALTER TABLE gifts ADD COLUMN address_state TEXT NOT NULL DEFAULT '';
ALTER TABLE receipts ADD COLUMN donor_address_line2 TEXT NOT NULL DEFAULT '';
ALTER TABLE receipts ADD COLUMN donor_address_state TEXT NOT NULL DEFAULT '';
`},
	// A gift whose receipt cannot be complete yet (CRA: the donor's full
	// name and address, the amount in Canadian dollars) waits here instead
	// of getting an invalid receipt; the hold keeps what the receipt will
	// need (its issue key, payment and benefit as of the payment).
	{13, "receipt_holds", `
CREATE TABLE receipt_holds (
	gift_id TEXT PRIMARY KEY REFERENCES gifts(id),
	reason TEXT NOT NULL,
	issue_key TEXT NOT NULL,
	payment_id TEXT NOT NULL,
	benefit_description TEXT NOT NULL DEFAULT '',
	benefit_value BIGINT NOT NULL DEFAULT 0,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	released_at TIMESTAMPTZ,
	receipt_id TEXT REFERENCES receipts(id),
	outcome TEXT NOT NULL DEFAULT ''
);
CREATE INDEX receipt_holds_open ON receipt_holds (created_at) WHERE released_at IS NULL;
CREATE TABLE receipt_hold_tokens (
	token_hash TEXT PRIMARY KEY,
	gift_id TEXT NOT NULL REFERENCES receipt_holds(gift_id),
	created_at TIMESTAMPTZ NOT NULL
);
ALTER TABLE email_messages ADD COLUMN gift_id TEXT REFERENCES gifts(id);
ALTER TABLE receipts ADD COLUMN original_amount BIGINT NOT NULL DEFAULT 0;
ALTER TABLE receipts ADD COLUMN original_currency TEXT NOT NULL DEFAULT '';
ALTER TABLE receipts ADD COLUMN exchange_rate TEXT NOT NULL DEFAULT '';
`},
	// UK Gift Aid: each declaration as the donor made it (its wording and
	// time), the claim line of each gift it covers, and the claims made.
	{14, "gift_aid", `
CREATE TABLE giftaid_declarations (
	id TEXT PRIMARY KEY,
	email TEXT NOT NULL,
	donor_id TEXT REFERENCES donors(id),
	gift_id TEXT REFERENCES gifts(id),
	title TEXT NOT NULL DEFAULT '',
	first_name TEXT NOT NULL,
	last_name TEXT NOT NULL,
	house TEXT NOT NULL,
	address TEXT NOT NULL,
	postcode TEXT NOT NULL,
	charity TEXT NOT NULL,
	wording TEXT NOT NULL,
	declared_at TIMESTAMPTZ NOT NULL,
	cancelled_at TIMESTAMPTZ
);
CREATE INDEX giftaid_declarations_email ON giftaid_declarations (email);
CREATE TABLE giftaid_batches (
	id TEXT PRIMARY KEY,
	period_from TIMESTAMPTZ NOT NULL,
	period_to TIMESTAMPTZ NOT NULL,
	lines INTEGER NOT NULL,
	total BIGINT NOT NULL,
	adjustments BIGINT NOT NULL,
	created_by TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE giftaid_claims (
	id TEXT PRIMARY KEY,
	gift_id TEXT NOT NULL REFERENCES gifts(id),
	declaration_id TEXT NOT NULL REFERENCES giftaid_declarations(id),
	kind TEXT NOT NULL,
	issue_key TEXT NOT NULL UNIQUE,
	amount BIGINT NOT NULL,
	donation_date TIMESTAMPTZ NOT NULL,
	status TEXT NOT NULL,
	batch_id TEXT REFERENCES giftaid_batches(id),
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX giftaid_claims_gift ON giftaid_claims (gift_id);
CREATE INDEX giftaid_claims_pending ON giftaid_claims (donation_date) WHERE status = 'pending';
ALTER TABLE receipts ADD COLUMN gift_aid BOOLEAN NOT NULL DEFAULT FALSE;
`},
	// What the donor chose comes back on the receipt's email and in the
	// reports: the dedication and whether to be listed publicly.
	{15, "receipt_dedication", `
ALTER TABLE receipts ADD COLUMN dedication_type TEXT NOT NULL DEFAULT '';
ALTER TABLE receipts ADD COLUMN dedication_name TEXT NOT NULL DEFAULT '';
ALTER TABLE receipts ADD COLUMN anonymous BOOLEAN NOT NULL DEFAULT FALSE;
`},
	// Keeping members: each failed membership payment with Stripe's
	// attempts, next retry and decline reason, and whether it was
	// recovered; every subscription state Stripe reported, by event, for
	// the retention report; a pause and why a membership ended.
	{16, "keeping_members", `
CREATE TABLE payment_failures (
	invoice_id TEXT PRIMARY KEY,
	membership_id TEXT REFERENCES memberships(id),
	amount BIGINT NOT NULL DEFAULT 0,
	currency TEXT NOT NULL DEFAULT '',
	attempts INTEGER NOT NULL DEFAULT 0,
	decline_code TEXT NOT NULL DEFAULT '',
	decline_message TEXT NOT NULL DEFAULT '',
	next_retry_at TIMESTAMPTZ,
	first_failed_at TIMESTAMPTZ,
	last_failed_at TIMESTAMPTZ,
	recovered_at TIMESTAMPTZ,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX payment_failures_membership ON payment_failures (membership_id);
CREATE TABLE membership_changes (
	event_id TEXT PRIMARY KEY,
	membership_id TEXT NOT NULL REFERENCES memberships(id),
	at TIMESTAMPTZ NOT NULL,
	status TEXT NOT NULL,
	amount BIGINT NOT NULL DEFAULT 0,
	currency TEXT NOT NULL DEFAULT '',
	billing_interval TEXT NOT NULL DEFAULT '',
	paused BOOLEAN NOT NULL DEFAULT FALSE,
	cancel_at_period_end BOOLEAN NOT NULL DEFAULT FALSE,
	cancel_reason TEXT NOT NULL DEFAULT '',
	cancel_feedback TEXT NOT NULL DEFAULT ''
);
CREATE INDEX membership_changes_membership ON membership_changes (membership_id, at);
ALTER TABLE memberships ADD COLUMN paused BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE memberships ADD COLUMN paused_until TIMESTAMPTZ;
ALTER TABLE memberships ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE memberships ADD COLUMN cancel_feedback TEXT NOT NULL DEFAULT '';
ALTER TABLE memberships ADD COLUMN cancel_comment TEXT NOT NULL DEFAULT '';
CREATE TABLE membership_restart_tokens (
	token_hash TEXT PRIMARY KEY,
	membership_id TEXT NOT NULL REFERENCES memberships(id),
	created_at TIMESTAMPTZ NOT NULL
);
`},
	// The year-end drive: campaigns with a goal and dates, and the gifts
	// made through each.
	{17, "campaigns", `
CREATE TABLE campaigns (
	id TEXT PRIMARY KEY,
	slug TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	goal_amount BIGINT NOT NULL,
	currency TEXT NOT NULL,
	starts_at TIMESTAMPTZ NOT NULL,
	ends_at TIMESTAMPTZ NOT NULL,
	intro TEXT NOT NULL DEFAULT '',
	preset_amounts TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
ALTER TABLE gifts ADD COLUMN campaign_id TEXT REFERENCES campaigns(id);
CREATE INDEX gifts_campaign ON gifts (campaign_id);
`},
	// Match funds: a campaign's pools, each with its funder's rules, and
	// what each pool matched of each gift.
	{18, "match_pools", `
CREATE TABLE match_pools (
	id TEXT PRIMARY KEY,
	campaign_id TEXT NOT NULL REFERENCES campaigns(id),
	funder TEXT NOT NULL,
	cap BIGINT NOT NULL,
	per_donor_limit BIGINT NOT NULL DEFAULT 0,
	starts_at TIMESTAMPTZ NOT NULL,
	ends_at TIMESTAMPTZ NOT NULL,
	monthly_times_twelve BOOLEAN NOT NULL DEFAULT FALSE,
	position INTEGER NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE gift_matches (
	gift_id TEXT NOT NULL REFERENCES gifts(id),
	pool_id TEXT NOT NULL REFERENCES match_pools(id),
	amount BIGINT NOT NULL,
	PRIMARY KEY (gift_id, pool_id)
);
ALTER TABLE gifts ADD COLUMN from_organisation BOOLEAN NOT NULL DEFAULT FALSE;
-- Which campaigns an event's transaction touched: its gifts updated at
-- the transaction's one clock.
CREATE INDEX gifts_campaign_touched ON gifts (updated_at) WHERE campaign_id IS NOT NULL;
`},
	// Which stories bring gifts: the article a gift started from (on the
	// news site, else "other") and the landing address's utm_ parameters.
	{19, "gift_attribution", `
ALTER TABLE gifts ADD COLUMN source_url TEXT NOT NULL DEFAULT '';
ALTER TABLE gifts ADD COLUMN utm_source TEXT NOT NULL DEFAULT '';
ALTER TABLE gifts ADD COLUMN utm_medium TEXT NOT NULL DEFAULT '';
ALTER TABLE gifts ADD COLUMN utm_campaign TEXT NOT NULL DEFAULT '';
`},
	// Long downloads made by a background job (see export.go): one
	// queued or running export per kind and period, so two people asking
	// at once share it; the file in chunks, so any instance can serve it.
	{20, "exports", `
CREATE TABLE exports (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('statements', 'receipts', 'payouts')),
	params TEXT NOT NULL,
	label TEXT NOT NULL,
	file_name TEXT NOT NULL,
	content_type TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'expired')),
	done BIGINT NOT NULL DEFAULT 0,
	total BIGINT NOT NULL DEFAULT 0,
	attempt INTEGER NOT NULL DEFAULT 0,
	size BIGINT NOT NULL DEFAULT 0,
	error TEXT NOT NULL DEFAULT '',
	requested_by TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	started_at TIMESTAMPTZ,
	finished_at TIMESTAMPTZ,
	expires_at TIMESTAMPTZ,
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX exports_one_at_a_time ON exports (kind, params) WHERE status IN ('queued', 'running');
CREATE INDEX exports_by_created ON exports (created_at);
CREATE TABLE export_chunks (
	export_id TEXT NOT NULL REFERENCES exports(id),
	seq INTEGER NOT NULL,
	data BYTEA NOT NULL,
	PRIMARY KEY (export_id, seq)
);
`},
	// Limits against card testing (limits.go), in the database so that
	// every instance counts against one budget and a restart keeps it.
	{21, "limits", `
CREATE TABLE rate_counters (
	key TEXT NOT NULL,
	window_start TIMESTAMPTZ NOT NULL,
	hits BIGINT NOT NULL,
	PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_counters_by_start ON rate_counters (window_start);
CREATE TABLE spent_challenges (
	challenge TEXT PRIMARY KEY,
	expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX spent_challenges_by_expiry ON spent_challenges (expires_at);
CREATE INDEX gifts_by_created ON gifts (created_at);
`},
	// Of what a pool matched, the part that a monthly membership counted at
	// twelve times has not yet paid: reported apart from the match earned
	// by payments received.
	{22, "match_projected", `
ALTER TABLE gift_matches ADD COLUMN projected BIGINT NOT NULL DEFAULT 0;
`},
	// A Gift Aid declaration counts once it is confirmed: made with a gift
	// that was then paid (it binds to that payment's donor), or by the
	// donor signed in. One made with a gift never paid never counts, so a
	// stranger's declaration cannot attach to another's gifts. The ones
	// already made count as they did when their gift was paid, or when
	// they came with no gift.
	{23, "giftaid_confirmed", `
ALTER TABLE giftaid_declarations ADD COLUMN confirmed_at TIMESTAMPTZ;
UPDATE giftaid_declarations SET confirmed_at = declared_at
	WHERE gift_id IS NULL OR gift_id IN (SELECT id FROM gifts WHERE status IN ('paid', 'refunded'));
CREATE INDEX giftaid_declarations_donor ON giftaid_declarations (donor_id);
`},
	// A member may decline a tier's benefits (IRS practice: the whole gift
	// stays deductible): the form gift says so, and its membership keeps
	// the tier's name but no benefit, so receipts state none.
	{24, "benefits_declined", `
ALTER TABLE gifts ADD COLUMN decline_benefits BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE memberships ADD COLUMN benefits_declined BOOLEAN NOT NULL DEFAULT FALSE;
`},
	// A refund's row holds what that refund took (amount) and the charge's
	// refunded total after it (refunded_total): Stripe reports the total,
	// and summing totals counted two-step refunds twice. Rows recorded
	// before hold the total as their amount: each becomes the increment
	// over the charge's earlier refund rows.
	{25, "refund_increments", `
ALTER TABLE payment_adjustments ADD COLUMN refunded_total BIGINT NOT NULL DEFAULT 0;
UPDATE payment_adjustments SET refunded_total = amount WHERE kind = 'refund';
UPDATE payment_adjustments SET amount = amount - COALESCE((SELECT MAX(p.refunded_total) FROM payment_adjustments p
	WHERE p.kind = 'refund' AND p.stripe_charge_id = payment_adjustments.stripe_charge_id AND p.stripe_charge_id <> ''
	AND p.created_at < payment_adjustments.created_at), 0)
	WHERE kind = 'refund' AND stripe_charge_id <> '';
UPDATE payment_adjustments SET amount = 0 WHERE kind = 'refund' AND amount < 0;
`},
	// Why Gift Aid is not claimed on a gift its donor declared for (its
	// benefits are over HMRC's limits): the acknowledgement, its email and
	// the staff donor page say so.
	{26, "giftaid_note", `
ALTER TABLE receipts ADD COLUMN gift_aid_note TEXT NOT NULL DEFAULT '';
`},
}

func (m migration) sqlFor(dialect string) string {
	if dialect == DialectSQLite {
		return strings.NewReplacer("TIMESTAMPTZ", "DATETIME", "BYTEA", "BLOB").Replace(m.SQL)
	}
	return m.SQL
}

// Migrate applies every migration the database has not seen yet. On
// Postgres an advisory lock lets several instances start at once safely.
func (s *Store) Migrate(ctx context.Context) (applied []string, err error) {
	if err := s.db.WithContext(ctx).Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at ` + s.timeType() + ` NOT NULL)`).Error; err != nil {
		return nil, fmt.Errorf("creating schema_migrations: %w", err)
	}
	for _, m := range migrations {
		done := false
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if s.dialect == DialectPostgres {
				// Any constant works; it only has to be the same for every instance.
				if err := tx.Exec("SELECT pg_advisory_xact_lock(7213340517)").Error; err != nil {
					return err
				}
			}
			var n int64
			if err := tx.Raw("SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.Version).Scan(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				done = true
				return nil
			}
			for _, stmt := range splitStatements(m.sqlFor(s.dialect)) {
				if err := tx.Exec(stmt).Error; err != nil {
					return fmt.Errorf("%w\nin statement:\n%s", err, stmt)
				}
			}
			return tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.Version, m.Name, time.Now().UTC()).Error
		})
		if err != nil {
			return applied, fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
		}
		if !done {
			applied = append(applied, fmt.Sprintf("%03d_%s", m.Version, m.Name))
		}
	}
	return applied, nil
}

func (s *Store) timeType() string {
	if s.dialect == DialectSQLite {
		return "DATETIME"
	}
	return "TIMESTAMPTZ"
}

// splitStatements splits on semicolons at line ends; our migrations hold no
// semicolons inside strings or bodies.
func splitStatements(sql string) []string {
	var out []string
	for _, part := range strings.Split(sql, ";\n") {
		lines := []string{}
		for _, l := range strings.Split(part, "\n") {
			if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "--") {
				lines = append(lines, l)
			}
		}
		if stmt := strings.TrimSuffix(strings.TrimSpace(strings.Join(lines, "\n")), ";"); stmt != "" {
			out = append(out, stmt)
		}
	}
	return out
}
