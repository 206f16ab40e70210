--
-- PostgreSQL database dump
--

\restrict AcpExySmZBA7p7am3fPrT6IoVUgVdb8UQ6z64qKhDDmWdkS6OJreLC3Z4qUEupy

-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: __SCHEMA__; Type: SCHEMA; Schema: -; Owner: -
--



SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: audit_log; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.audit_log (
    id text NOT NULL,
    staff_email text NOT NULL,
    action text NOT NULL,
    detail text DEFAULT ''::text NOT NULL,
    ip text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: balance_transactions; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.balance_transactions (
    id text NOT NULL,
    type text NOT NULL,
    source_id text DEFAULT ''::text NOT NULL,
    charge_id text DEFAULT ''::text NOT NULL,
    amount bigint NOT NULL,
    fee bigint NOT NULL,
    net bigint NOT NULL,
    currency text NOT NULL,
    exchange_rate text DEFAULT ''::text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    available_on timestamp with time zone,
    payout_id text
);


--
-- Name: campaigns; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.campaigns (
    id text NOT NULL,
    slug text NOT NULL,
    name text NOT NULL,
    goal_amount bigint NOT NULL,
    currency text NOT NULL,
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    intro text DEFAULT ''::text NOT NULL,
    preset_amounts text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: donor_login_tokens; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.donor_login_tokens (
    id text NOT NULL,
    token_hash text NOT NULL,
    email text NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: donor_merges; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.donor_merges (
    id text NOT NULL,
    from_donor_id text NOT NULL,
    into_donor_id text NOT NULL,
    staff_email text NOT NULL,
    gifts_moved integer NOT NULL,
    receipts_moved integer NOT NULL,
    memberships_moved integer NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: donor_sessions; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.donor_sessions (
    id text NOT NULL,
    token_hash text NOT NULL,
    donor_id text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    last_seen_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
-- Name: donors; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.donors (
    id text NOT NULL,
    email text NOT NULL,
    name text DEFAULT ''::text NOT NULL,
    address_line1 text DEFAULT ''::text NOT NULL,
    address_city text DEFAULT ''::text NOT NULL,
    address_postal_code text DEFAULT ''::text NOT NULL,
    address_country text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    merged_into text,
    address_line2 text DEFAULT ''::text NOT NULL,
    address_state text DEFAULT ''::text NOT NULL
);


--
-- Name: email_messages; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.email_messages (
    id text NOT NULL,
    dedupe_key text NOT NULL,
    kind text NOT NULL,
    to_address text NOT NULL,
    status text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    last_error text DEFAULT ''::text NOT NULL,
    receipt_id text,
    donor_id text,
    membership_id text,
    fiscal_year integer DEFAULT 0 NOT NULL,
    link text DEFAULT ''::text NOT NULL,
    subject text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    sent_at timestamp with time zone,
    gift_id text
);


--
-- Name: export_chunks; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.export_chunks (
    export_id text NOT NULL,
    seq integer NOT NULL,
    data bytea NOT NULL
);


--
-- Name: exports; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.exports (
    id text NOT NULL,
    kind text NOT NULL,
    params text NOT NULL,
    label text NOT NULL,
    file_name text NOT NULL,
    content_type text NOT NULL,
    status text NOT NULL,
    done bigint DEFAULT 0 NOT NULL,
    total bigint DEFAULT 0 NOT NULL,
    attempt integer DEFAULT 0 NOT NULL,
    size bigint DEFAULT 0 NOT NULL,
    error text DEFAULT ''::text NOT NULL,
    requested_by text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    expires_at timestamp with time zone,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT exports_kind_check CHECK ((kind = ANY (ARRAY['statements'::text, 'receipts'::text, 'payouts'::text]))),
    CONSTRAINT exports_status_check CHECK ((status = ANY (ARRAY['queued'::text, 'running'::text, 'done'::text, 'failed'::text, 'expired'::text])))
);


--
-- Name: gift_matches; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.gift_matches (
    gift_id text NOT NULL,
    pool_id text NOT NULL,
    amount bigint NOT NULL,
    projected bigint DEFAULT 0 NOT NULL
);


--
-- Name: giftaid_batches; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.giftaid_batches (
    id text NOT NULL,
    period_from timestamp with time zone NOT NULL,
    period_to timestamp with time zone NOT NULL,
    lines integer NOT NULL,
    total bigint NOT NULL,
    adjustments bigint NOT NULL,
    created_by text NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: giftaid_claims; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.giftaid_claims (
    id text NOT NULL,
    gift_id text NOT NULL,
    declaration_id text NOT NULL,
    kind text NOT NULL,
    issue_key text NOT NULL,
    amount bigint NOT NULL,
    donation_date timestamp with time zone NOT NULL,
    status text NOT NULL,
    batch_id text,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: giftaid_declarations; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.giftaid_declarations (
    id text NOT NULL,
    email text NOT NULL,
    donor_id text,
    gift_id text,
    title text DEFAULT ''::text NOT NULL,
    first_name text NOT NULL,
    last_name text NOT NULL,
    house text NOT NULL,
    address text NOT NULL,
    postcode text NOT NULL,
    charity text NOT NULL,
    wording text NOT NULL,
    declared_at timestamp with time zone NOT NULL,
    cancelled_at timestamp with time zone,
    confirmed_at timestamp with time zone
);


--
-- Name: gifts; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.gifts (
    id text NOT NULL,
    donor_id text,
    status text NOT NULL,
    source text NOT NULL,
    frequency text NOT NULL,
    amount bigint NOT NULL,
    fee_amount bigint DEFAULT 0 NOT NULL,
    total_amount bigint NOT NULL,
    currency text NOT NULL,
    email text DEFAULT ''::text NOT NULL,
    name text DEFAULT ''::text NOT NULL,
    address_line1 text DEFAULT ''::text NOT NULL,
    address_city text DEFAULT ''::text NOT NULL,
    address_postal_code text DEFAULT ''::text NOT NULL,
    address_country text DEFAULT ''::text NOT NULL,
    dedication_type text DEFAULT ''::text NOT NULL,
    dedication_name text DEFAULT ''::text NOT NULL,
    anonymous boolean DEFAULT false NOT NULL,
    stripe_session_id text,
    stripe_payment_intent_id text,
    livemode boolean DEFAULT false NOT NULL,
    paid_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    membership_id text,
    stripe_invoice_id text,
    stripe_charge_id text,
    refunded_amount bigint DEFAULT 0 NOT NULL,
    dispute_status text DEFAULT ''::text NOT NULL,
    address_line2 text DEFAULT ''::text NOT NULL,
    address_state text DEFAULT ''::text NOT NULL,
    campaign_id text,
    from_organisation boolean DEFAULT false NOT NULL,
    source_url text DEFAULT ''::text NOT NULL,
    utm_source text DEFAULT ''::text NOT NULL,
    utm_medium text DEFAULT ''::text NOT NULL,
    utm_campaign text DEFAULT ''::text NOT NULL,
    decline_benefits boolean DEFAULT false NOT NULL,
    CONSTRAINT gifts_amount_check CHECK ((amount >= 0)),
    CONSTRAINT gifts_fee_amount_check CHECK ((fee_amount >= 0)),
    CONSTRAINT gifts_frequency_check CHECK ((frequency = ANY (ARRAY['once'::text, 'month'::text, 'year'::text]))),
    CONSTRAINT gifts_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'processing'::text, 'paid'::text, 'failed'::text, 'refunded'::text]))),
    CONSTRAINT gifts_total_amount_check CHECK ((total_amount >= 0))
);


--
-- Name: match_pools; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.match_pools (
    id text NOT NULL,
    campaign_id text NOT NULL,
    funder text NOT NULL,
    cap bigint NOT NULL,
    per_donor_limit bigint DEFAULT 0 NOT NULL,
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    monthly_times_twelve boolean DEFAULT false NOT NULL,
    "position" integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: membership_changes; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.membership_changes (
    event_id text NOT NULL,
    membership_id text NOT NULL,
    at timestamp with time zone NOT NULL,
    status text NOT NULL,
    amount bigint DEFAULT 0 NOT NULL,
    currency text DEFAULT ''::text NOT NULL,
    billing_interval text DEFAULT ''::text NOT NULL,
    paused boolean DEFAULT false NOT NULL,
    cancel_at_period_end boolean DEFAULT false NOT NULL,
    cancel_reason text DEFAULT ''::text NOT NULL,
    cancel_feedback text DEFAULT ''::text NOT NULL
);


--
-- Name: membership_restart_tokens; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.membership_restart_tokens (
    token_hash text NOT NULL,
    membership_id text NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: memberships; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.memberships (
    id text NOT NULL,
    donor_id text,
    gift_id text,
    stripe_subscription_id text NOT NULL,
    stripe_customer_id text DEFAULT ''::text NOT NULL,
    status text NOT NULL,
    amount bigint DEFAULT 0 NOT NULL,
    currency text DEFAULT ''::text NOT NULL,
    billing_interval text DEFAULT ''::text NOT NULL,
    tier_name text DEFAULT ''::text NOT NULL,
    benefit_description text DEFAULT ''::text NOT NULL,
    benefit_value_per_year bigint DEFAULT 0 NOT NULL,
    current_period_end timestamp with time zone,
    cancel_at_period_end boolean DEFAULT false NOT NULL,
    started_at timestamp with time zone,
    ended_at timestamp with time zone,
    state_as_of timestamp with time zone,
    last_failed_invoice_id text DEFAULT ''::text NOT NULL,
    last_failed_at timestamp with time zone,
    last_failed_url text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    paused boolean DEFAULT false NOT NULL,
    paused_until timestamp with time zone,
    cancel_reason text DEFAULT ''::text NOT NULL,
    cancel_feedback text DEFAULT ''::text NOT NULL,
    cancel_comment text DEFAULT ''::text NOT NULL,
    benefits_declined boolean DEFAULT false NOT NULL
);


--
-- Name: payment_adjustments; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.payment_adjustments (
    id text NOT NULL,
    kind text NOT NULL,
    event_id text NOT NULL,
    gift_id text,
    stripe_charge_id text DEFAULT ''::text NOT NULL,
    stripe_payment_intent_id text DEFAULT ''::text NOT NULL,
    stripe_object_id text DEFAULT ''::text NOT NULL,
    amount bigint NOT NULL,
    currency text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    refunded_total bigint DEFAULT 0 NOT NULL
);


--
-- Name: payment_failures; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.payment_failures (
    invoice_id text NOT NULL,
    membership_id text,
    amount bigint DEFAULT 0 NOT NULL,
    currency text DEFAULT ''::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    decline_code text DEFAULT ''::text NOT NULL,
    decline_message text DEFAULT ''::text NOT NULL,
    next_retry_at timestamp with time zone,
    first_failed_at timestamp with time zone,
    last_failed_at timestamp with time zone,
    recovered_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: payouts; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.payouts (
    id text NOT NULL,
    amount bigint NOT NULL,
    currency text NOT NULL,
    status text NOT NULL,
    arrival_date timestamp with time zone,
    failure_message text DEFAULT ''::text NOT NULL,
    livemode boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: rate_counters; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.rate_counters (
    key text NOT NULL,
    window_start timestamp with time zone NOT NULL,
    hits bigint NOT NULL
);


--
-- Name: receipt_counters; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.receipt_counters (
    fiscal_year integer NOT NULL,
    last_number bigint NOT NULL
);


--
-- Name: receipt_hold_tokens; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.receipt_hold_tokens (
    token_hash text NOT NULL,
    gift_id text NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: receipt_holds; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.receipt_holds (
    gift_id text NOT NULL,
    reason text NOT NULL,
    issue_key text NOT NULL,
    payment_id text NOT NULL,
    benefit_description text DEFAULT ''::text NOT NULL,
    benefit_value bigint DEFAULT 0 NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    released_at timestamp with time zone,
    receipt_id text,
    outcome text DEFAULT ''::text NOT NULL
);


--
-- Name: receipt_signatures; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.receipt_signatures (
    id text NOT NULL,
    png bytea NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: receipts; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.receipts (
    id text NOT NULL,
    number text NOT NULL,
    fiscal_year integer NOT NULL,
    sequence bigint NOT NULL,
    issue_key text NOT NULL,
    gift_id text NOT NULL,
    status text NOT NULL,
    void_reason text DEFAULT ''::text NOT NULL,
    voided_at timestamp with time zone,
    replaces text DEFAULT ''::text NOT NULL,
    issued_at timestamp with time zone NOT NULL,
    gift_date timestamp with time zone NOT NULL,
    donor_id text,
    donor_name text NOT NULL,
    donor_email text NOT NULL,
    donor_address_line1 text DEFAULT ''::text NOT NULL,
    donor_address_city text DEFAULT ''::text NOT NULL,
    donor_address_postal_code text DEFAULT ''::text NOT NULL,
    donor_address_country text DEFAULT ''::text NOT NULL,
    amount bigint NOT NULL,
    currency text NOT NULL,
    fee_covered bigint DEFAULT 0 NOT NULL,
    benefit_description text DEFAULT ''::text NOT NULL,
    benefit_value bigint DEFAULT 0 NOT NULL,
    deductible_amount bigint NOT NULL,
    org_name text NOT NULL,
    org_tax_id text DEFAULT ''::text NOT NULL,
    org_address text DEFAULT ''::text NOT NULL,
    wording_version text NOT NULL,
    stripe_payment_id text DEFAULT ''::text NOT NULL,
    verification_code text NOT NULL,
    frequency text DEFAULT 'once'::text NOT NULL,
    place_of_issue text DEFAULT ''::text NOT NULL,
    signatory text DEFAULT ''::text NOT NULL,
    verify_url text DEFAULT ''::text NOT NULL,
    livemode boolean DEFAULT false NOT NULL,
    time_zone text DEFAULT ''::text NOT NULL,
    signature_id text DEFAULT ''::text NOT NULL,
    donor_address_line2 text DEFAULT ''::text NOT NULL,
    donor_address_state text DEFAULT ''::text NOT NULL,
    original_amount bigint DEFAULT 0 NOT NULL,
    original_currency text DEFAULT ''::text NOT NULL,
    exchange_rate text DEFAULT ''::text NOT NULL,
    gift_aid boolean DEFAULT false NOT NULL,
    dedication_type text DEFAULT ''::text NOT NULL,
    dedication_name text DEFAULT ''::text NOT NULL,
    anonymous boolean DEFAULT false NOT NULL,
    gift_aid_note text DEFAULT ''::text NOT NULL,
    CONSTRAINT receipts_status_check CHECK ((status = ANY (ARRAY['issued'::text, 'void'::text])))
);


--
-- Name: schema_migrations; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamp with time zone NOT NULL
);


--
-- Name: spent_challenges; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.spent_challenges (
    challenge text NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
-- Name: staff_sessions; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.staff_sessions (
    id text NOT NULL,
    token_hash text NOT NULL,
    staff_id text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    last_seen_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
-- Name: staff_setup_tokens; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.staff_setup_tokens (
    token_hash text NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone
);


--
-- Name: staff_sign_in_attempts; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.staff_sign_in_attempts (
    id text NOT NULL,
    email text NOT NULL,
    client text NOT NULL,
    outcome text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT staff_sign_in_attempts_outcome_check CHECK ((outcome = ANY (ARRAY['pending'::text, 'failed'::text, 'succeeded'::text, 'unchecked'::text])))
);


--
-- Name: staff_users; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.staff_users (
    id text NOT NULL,
    email text NOT NULL,
    password_hash text NOT NULL,
    role text NOT NULL,
    disabled boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone NOT NULL,
    last_login_at timestamp with time zone,
    CONSTRAINT staff_users_role_check CHECK ((role = ANY (ARRAY['admin'::text, 'staff'::text])))
);


--
-- Name: stripe_events; Type: TABLE; Schema: __SCHEMA__; Owner: -
--

CREATE TABLE __SCHEMA__.stripe_events (
    id text NOT NULL,
    type text NOT NULL,
    api_version text NOT NULL,
    livemode boolean NOT NULL,
    created_at timestamp with time zone NOT NULL,
    received_at timestamp with time zone NOT NULL,
    outcome text NOT NULL
);


--
-- Data for Name: audit_log; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.audit_log (id, staff_email, action, detail, ip, created_at) FROM stdin;
cc53a82a-f5ba-4cb8-97e6-9d8889f92d56	command line	created campaign	year-end: Year-end drive		2026-12-04 17:29:34.907479+00
\.


--
-- Data for Name: balance_transactions; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.balance_transactions (id, type, source_id, charge_id, amount, fee, net, currency, exchange_rate, description, created_at, available_on, payout_id) FROM stdin;
\.


--
-- Data for Name: campaigns; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.campaigns (id, slug, name, goal_amount, currency, starts_at, ends_at, intro, preset_amounts, created_at, updated_at) FROM stdin;
705dfee1-9527-4477-8dcf-e585d172b596	year-end	Year-end drive	500000	gbp	2026-02-01 12:00:00+00	2027-02-01 12:00:00+00			2026-12-04 17:29:34.907479+00	2026-12-04 17:29:34.907479+00
\.


--
-- Data for Name: donor_login_tokens; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.donor_login_tokens (id, token_hash, email, expires_at, used_at, created_at) FROM stdin;
\.


--
-- Data for Name: donor_merges; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.donor_merges (id, from_donor_id, into_donor_id, staff_email, gifts_moved, receipts_moved, memberships_moved, created_at) FROM stdin;
\.


--
-- Data for Name: donor_sessions; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.donor_sessions (id, token_hash, donor_id, created_at, last_seen_at, expires_at) FROM stdin;
\.


--
-- Data for Name: donors; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.donors (id, email, name, address_line1, address_city, address_postal_code, address_country, created_at, updated_at, merged_into, address_line2, address_state) FROM stdin;
810b8308-bea2-457f-9add-28a944b0d2c3	giver@example.com	Giver					2026-12-04 17:29:34.755581+00	2026-12-04 17:29:34.755581+00	\N		
a296ae43-8e2b-43e3-8c5d-59be7c5d9c72	member@example.com	Mem Ber					2026-12-04 17:29:34.801802+00	2026-12-04 17:29:34.801802+00	\N		
fc1bc3e2-53d5-4ba0-8cfb-150227be78d3	member1@example.com	Mem Ber					2026-12-04 17:29:34.884635+00	2026-12-04 17:29:34.884635+00	\N		
87de7a87-d344-4d2b-ab33-ea6989ac35a6	drive@example.co.uk	Dee Drive					2026-12-04 17:29:34.914407+00	2026-12-04 17:29:34.914407+00	\N		
59972dfe-dcd4-4afa-a115-ed1f7c75482e	jo@example.co.uk	Jo Smith-Jones	12A High Street	Sheffield	s19 2bd	GB	2026-12-04 17:29:34.925911+00	2026-12-04 17:29:34.925911+00	\N		
e29541d6-e838-4f32-8819-40b5addfe34f	back@example.co.uk	Sample Donor					2026-12-04 17:29:34.936222+00	2026-12-04 17:29:34.936222+00	\N		
\.


--
-- Data for Name: email_messages; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.email_messages (id, dedupe_key, kind, to_address, status, attempts, last_error, receipt_id, donor_id, membership_id, fiscal_year, link, subject, created_at, updated_at, sent_at, gift_id) FROM stdin;
221f50ad-a439-4fb2-8652-6248b1c20166	receipt:19fff467-073f-4c86-9ca6-821dd9d2a04d:receipt	receipt	giver@example.com	queued	0		19fff467-073f-4c86-9ca6-821dd9d2a04d	810b8308-bea2-457f-9add-28a944b0d2c3	\N	2026			2026-12-04 17:29:34.755581+00	2026-12-04 17:29:34.755581+00	\N	\N
4dd3e121-8245-456a-bb76-9d444205272f	receipt:0c28832a-31fd-4871-88c1-2b2a42c61cc0:receipt_replacement	receipt_replacement	giver@example.com	queued	0		0c28832a-31fd-4871-88c1-2b2a42c61cc0	810b8308-bea2-457f-9add-28a944b0d2c3	\N	2026			2026-12-04 17:29:34.776039+00	2026-12-04 17:29:34.776039+00	\N	\N
1c11dbdc-ac10-4a38-9b42-fe2b0afdce4d	receipt:3b68d003-19e0-4317-bed3-a8f1f7d065d7:receipt	receipt	member@example.com	queued	0		3b68d003-19e0-4317-bed3-a8f1f7d065d7	a296ae43-8e2b-43e3-8c5d-59be7c5d9c72	\N	2026			2026-12-04 17:29:34.801802+00	2026-12-04 17:29:34.801802+00	\N	\N
64045283-8d52-4bc3-907d-6cd3f3f8de37	event:evt_v05:payment_failed	payment_failed	member@example.com	queued	0		\N	a296ae43-8e2b-43e3-8c5d-59be7c5d9c72	8a3b3f3f-e1c1-4da9-8910-ce6ab2ca25b8	0	https://invoice.stripe.com/i/in_v2		2026-12-04 17:29:34.813494+00	2026-12-04 17:29:34.813494+00	\N	\N
ef1c61b5-8326-41c1-8aff-fb8569dc1d33	receipt:58e6d2ba-ea23-46e4-874a-da495dd7f1ce:receipt	receipt	member@example.com	queued	0		58e6d2ba-ea23-46e4-874a-da495dd7f1ce	a296ae43-8e2b-43e3-8c5d-59be7c5d9c72	\N	2026			2026-12-04 17:29:34.821997+00	2026-12-04 17:29:34.821997+00	\N	\N
74666b2b-4c46-4764-b9a1-d2bd56746bce	receipt:58e6d2ba-ea23-46e4-874a-da495dd7f1ce:receipt_void	receipt_void	member@example.com	queued	0		58e6d2ba-ea23-46e4-874a-da495dd7f1ce	a296ae43-8e2b-43e3-8c5d-59be7c5d9c72	\N	2026			2026-12-04 17:29:34.829022+00	2026-12-04 17:29:34.829022+00	\N	\N
579c58fa-89b5-4c07-ba6a-256feb83ad2b	receipt:49089b7b-91ea-43aa-ba2b-117cae4fb738:receipt_replacement	receipt_replacement	member@example.com	queued	0		49089b7b-91ea-43aa-ba2b-117cae4fb738	a296ae43-8e2b-43e3-8c5d-59be7c5d9c72	\N	2026			2026-12-04 17:29:34.834994+00	2026-12-04 17:29:34.834994+00	\N	\N
eb5d37ba-8c31-462c-965c-ff55a582a05d	membership:8a3b3f3f-e1c1-4da9-8910-ce6ab2ca25b8:period:1772366400:membership_cancelled	membership_cancelled	member@example.com	queued	0		\N	a296ae43-8e2b-43e3-8c5d-59be7c5d9c72	8a3b3f3f-e1c1-4da9-8910-ce6ab2ca25b8	0			2026-12-04 17:29:34.841917+00	2026-12-04 17:29:34.841917+00	\N	\N
30ec5fcd-20db-4a22-9b8a-ab80b2acf21a	receipt:11cb7441-15a0-4737-a511-cf5e264521b5:receipt	receipt	member1@example.com	queued	0		11cb7441-15a0-4737-a511-cf5e264521b5	fc1bc3e2-53d5-4ba0-8cfb-150227be78d3	\N	2026			2026-12-04 17:29:34.884635+00	2026-12-04 17:29:34.884635+00	\N	\N
e4f0af01-9841-4050-a1bc-83e93f406b5b	receipt:0d7998b4-df97-47f2-aa41-d34021895682:receipt	receipt	member1@example.com	queued	0		0d7998b4-df97-47f2-aa41-d34021895682	fc1bc3e2-53d5-4ba0-8cfb-150227be78d3	\N	2026			2026-12-04 17:29:34.890895+00	2026-12-04 17:29:34.890895+00	\N	\N
be13b377-060c-4939-a111-552516c9f6b7	event:evt_1_failed:payment_failed	payment_failed	member1@example.com	queued	0		\N	fc1bc3e2-53d5-4ba0-8cfb-150227be78d3	6c615a87-b83f-4125-ad02-1738a39eea4d	0	https://invoice.stripe.com/i/in_1_3		2026-12-04 17:29:34.897613+00	2026-12-04 17:29:34.897613+00	\N	\N
f697601d-d006-4ed0-85b9-ab8a0fb65679	membership:6c615a87-b83f-4125-ad02-1738a39eea4d:period:1777636800:membership_cancelled	membership_cancelled	member1@example.com	queued	0		\N	fc1bc3e2-53d5-4ba0-8cfb-150227be78d3	6c615a87-b83f-4125-ad02-1738a39eea4d	0			2026-12-04 17:29:34.902737+00	2026-12-04 17:29:34.902737+00	\N	\N
fc840338-1f69-426f-b95e-2544db82b156	receipt:f5aed7ea-38d9-4826-a86b-bcdf6e0f17b4:receipt	receipt	drive@example.co.uk	queued	0		f5aed7ea-38d9-4826-a86b-bcdf6e0f17b4	87de7a87-d344-4d2b-ab33-ea6989ac35a6	\N	2026			2026-12-04 17:29:34.914407+00	2026-12-04 17:29:34.914407+00	\N	\N
cbba34d8-a43d-4511-93e9-aaed31a7ea97	receipt:7c200d47-789f-484a-92bc-06d538ec5615:receipt	receipt	jo@example.co.uk	queued	0		7c200d47-789f-484a-92bc-06d538ec5615	59972dfe-dcd4-4afa-a115-ed1f7c75482e	\N	2026			2026-12-04 17:29:34.925911+00	2026-12-04 17:29:34.925911+00	\N	\N
89b883ee-ea73-4423-af5b-0e4cfd9dfa43	receipt:ff522d70-3524-4f35-a6c8-ca4aa12ec228:receipt	receipt	back@example.co.uk	queued	0		ff522d70-3524-4f35-a6c8-ca4aa12ec228	e29541d6-e838-4f32-8819-40b5addfe34f	\N	2026			2026-12-04 17:29:34.936222+00	2026-12-04 17:29:34.936222+00	\N	\N
2524038f-3d49-41d2-9b47-e7e31feefcee	receipt:ff522d70-3524-4f35-a6c8-ca4aa12ec228:receipt_void	receipt_void	back@example.co.uk	queued	0		ff522d70-3524-4f35-a6c8-ca4aa12ec228	e29541d6-e838-4f32-8819-40b5addfe34f	\N	2026			2026-12-04 17:29:34.943387+00	2026-12-04 17:29:34.943387+00	\N	\N
\.


--
-- Data for Name: export_chunks; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.export_chunks (export_id, seq, data) FROM stdin;
\.


--
-- Data for Name: exports; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.exports (id, kind, params, label, file_name, content_type, status, done, total, attempt, size, error, requested_by, created_at, started_at, finished_at, expires_at, updated_at) FROM stdin;
\.


--
-- Data for Name: gift_matches; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.gift_matches (gift_id, pool_id, amount, projected) FROM stdin;
\.


--
-- Data for Name: giftaid_batches; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.giftaid_batches (id, period_from, period_to, lines, total, adjustments, created_by, created_at) FROM stdin;
\.


--
-- Data for Name: giftaid_claims; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.giftaid_claims (id, gift_id, declaration_id, kind, issue_key, amount, donation_date, status, batch_id, created_at, updated_at) FROM stdin;
3d65d32e-9953-42a3-84f3-a0edbe749871	203080b1-296f-42f7-bd19-bfc6dd0fcc2e	fe911a18-ce77-497e-b7cb-7b4590c41e3a	donation	giftaid:gift:203080b1-296f-42f7-bd19-bfc6dd0fcc2e:original	5000	2026-12-04 17:30:34+00	pending	\N	2026-12-04 17:29:34.925911+00	2026-12-04 17:29:34.925911+00
\.


--
-- Data for Name: giftaid_declarations; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.giftaid_declarations (id, email, donor_id, gift_id, title, first_name, last_name, house, address, postcode, charity, wording, declared_at, cancelled_at, confirmed_at) FROM stdin;
fe911a18-ce77-497e-b7cb-7b4590c41e3a	jo@example.co.uk	59972dfe-dcd4-4afa-a115-ed1f7c75482e	203080b1-296f-42f7-bd19-bfc6dd0fcc2e	Ms	Jo	Smith-Jones	12A	12A High Street, Sheffield, s19 2bd, GB	S19 2BD	The Ledger UK	I want to Gift Aid my donation and any donations I make in the future to The Ledger UK. I am a UK taxpayer and understand that if I pay less Income Tax and/or Capital Gains Tax in the current tax year than the amount of Gift Aid claimed on all my donations it is my responsibility to pay any difference.	2026-12-04 17:29:34.92098+00	\N	2026-12-04 17:29:34.925911+00
\.


--
-- Data for Name: gifts; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.gifts (id, donor_id, status, source, frequency, amount, fee_amount, total_amount, currency, email, name, address_line1, address_city, address_postal_code, address_country, dedication_type, dedication_name, anonymous, stripe_session_id, stripe_payment_intent_id, livemode, paid_at, created_at, updated_at, membership_id, stripe_invoice_id, stripe_charge_id, refunded_amount, dispute_status, address_line2, address_state, campaign_id, from_organisation, source_url, utm_source, utm_medium, utm_campaign, decline_benefits) FROM stdin;
7be9d0e5-cfa9-45db-b502-b97e3d39090e	810b8308-bea2-457f-9add-28a944b0d2c3	paid	stripe	once	5000	0	5000	usd	giver@example.com	Giver							f	cs_v	pi_cs_v	f	2026-02-01 12:00:00+00	2026-12-04 17:29:34.755581+00	2026-12-04 17:29:34.776039+00	\N	\N	ch_v1	1200				\N	f					f
e1807bb9-8fce-4f1b-943d-2565db5dbc9e	a296ae43-8e2b-43e3-8c5d-59be7c5d9c72	paid	stripe	month	1500	0	1500	usd	member@example.com	Mem Ber							f	\N	pi_in_v1	f	2026-02-01 15:00:00+00	2026-12-04 17:29:34.801802+00	2026-12-04 17:29:34.801802+00	8a3b3f3f-e1c1-4da9-8910-ce6ab2ca25b8	in_v1	ch_v2	0				\N	f					f
58fc9352-752e-4f89-8bb3-fb71c28a5ed3	a296ae43-8e2b-43e3-8c5d-59be7c5d9c72	paid	stripe	month	1500	0	1500	usd	member@example.com	Mem Ber							f	\N	pi_in_v3	f	2026-03-04 12:00:00+00	2026-12-04 17:29:34.821997+00	2026-12-04 17:29:34.834994+00	8a3b3f3f-e1c1-4da9-8910-ce6ab2ca25b8	in_v3	ch_v3	0	won			\N	f					f
5133d982-05e8-4dff-8b5e-fc991fac35d5	fc1bc3e2-53d5-4ba0-8cfb-150227be78d3	paid	stripe	month	1500	0	1500	usd	member1@example.com	Mem Ber							f	\N	pi_1_1	f	2026-02-01 13:00:00+00	2026-12-04 17:29:34.884635+00	2026-12-04 17:29:34.884635+00	6c615a87-b83f-4125-ad02-1738a39eea4d	in_1_1	ch_1_1	0				\N	f					f
0ec3d600-b4d9-44aa-9a88-bbd1b0f186d6	fc1bc3e2-53d5-4ba0-8cfb-150227be78d3	paid	stripe	month	1500	0	1500	usd	member1@example.com	Mem Ber							f	\N	pi_1_2	f	2026-03-03 12:00:00+00	2026-12-04 17:29:34.890895+00	2026-12-04 17:29:34.890895+00	6c615a87-b83f-4125-ad02-1738a39eea4d	in_1_2	ch_1_2	0				\N	f					f
502bd8d2-1f93-4fa0-a2a0-07790cff5ac5	87de7a87-d344-4d2b-ab33-ea6989ac35a6	paid	form	once	2500	0	2500	gbp	drive@example.co.uk	Dee Drive							f	cs_up_drive	pi_cs_up_drive	f	2026-02-03 12:00:00+00	2026-12-04 17:29:34.910274+00	2026-12-04 17:29:34.914407+00	\N	\N	\N	0				705dfee1-9527-4477-8dcf-e585d172b596	f					f
203080b1-296f-42f7-bd19-bfc6dd0fcc2e	59972dfe-dcd4-4afa-a115-ed1f7c75482e	paid	form	once	5000	0	5000	gbp	jo@example.co.uk	Jo Smith-Jones	12A High Street	Sheffield	s19 2bd	GB			f	cs_up_ga	pi_cs_up_ga	f	2026-12-04 17:30:34+00	2026-12-04 17:29:34.92098+00	2026-12-04 17:29:34.925911+00	\N	\N	\N	0				\N	f					f
fdaf968c-830e-47c0-9e98-e7384395cbf6	e29541d6-e838-4f32-8819-40b5addfe34f	refunded	stripe	once	3000	0	3000	gbp	back@example.co.uk	Sample Donor							f	cs_up_full	pi_cs_up_full	f	2026-02-04 12:00:00+00	2026-12-04 17:29:34.936222+00	2026-12-04 17:29:34.943387+00	\N	\N	ch_up_full	3000				\N	f					f
\.


--
-- Data for Name: match_pools; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.match_pools (id, campaign_id, funder, cap, per_donor_limit, starts_at, ends_at, monthly_times_twelve, "position", created_at, updated_at) FROM stdin;
\.


--
-- Data for Name: membership_changes; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.membership_changes (event_id, membership_id, at, status, amount, currency, billing_interval, paused, cancel_at_period_end, cancel_reason, cancel_feedback) FROM stdin;
evt_v03	8a3b3f3f-e1c1-4da9-8910-ce6ab2ca25b8	2026-02-01 14:00:00+00	active	1500	usd	month	f	f		
evt_v09	8a3b3f3f-e1c1-4da9-8910-ce6ab2ca25b8	2026-03-14 12:00:00+00	active	1500	usd	month	f	t		
evt_v10	8a3b3f3f-e1c1-4da9-8910-ce6ab2ca25b8	2026-04-02 12:00:00+00	canceled	1500	usd	month	f	t		
evt_1_created	6c615a87-b83f-4125-ad02-1738a39eea4d	2026-02-01 12:00:00+00	active	1500	usd	month	f	f		
evt_1_updated	6c615a87-b83f-4125-ad02-1738a39eea4d	2026-04-03 12:00:00+00	active	1500	usd	month	f	t		
evt_1_deleted	6c615a87-b83f-4125-ad02-1738a39eea4d	2026-04-04 12:00:00+00	canceled	1500	usd	month	f	t		
\.


--
-- Data for Name: membership_restart_tokens; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.membership_restart_tokens (token_hash, membership_id, created_at) FROM stdin;
\.


--
-- Data for Name: memberships; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.memberships (id, donor_id, gift_id, stripe_subscription_id, stripe_customer_id, status, amount, currency, billing_interval, tier_name, benefit_description, benefit_value_per_year, current_period_end, cancel_at_period_end, started_at, ended_at, state_as_of, last_failed_invoice_id, last_failed_at, last_failed_url, created_at, updated_at, paused, paused_until, cancel_reason, cancel_feedback, cancel_comment, benefits_declined) FROM stdin;
8a3b3f3f-e1c1-4da9-8910-ce6ab2ca25b8	a296ae43-8e2b-43e3-8c5d-59be7c5d9c72	\N	sub_v	cus_v	canceled	1500	usd	month	Patron	a dinner	6000	2026-03-01 12:00:00+00	t	2026-02-01 12:00:00+00	2026-04-02 12:00:00+00	2026-04-02 12:00:00+00	in_v2	2026-03-03 12:00:00+00	https://invoice.stripe.com/i/in_v2	2026-12-04 17:29:34.789771+00	2026-12-04 17:29:34.846471+00	f	\N				f
6c615a87-b83f-4125-ad02-1738a39eea4d	fc1bc3e2-53d5-4ba0-8cfb-150227be78d3	\N	sub_1	cus_1	canceled	1500	usd	month	Patron	a dinner	6000	2026-05-01 12:00:00+00	t	2026-02-01 12:00:00+00	2026-04-04 12:00:00+00	2026-04-04 12:00:00+00	in_1_3	2026-04-02 12:00:00+00	https://invoice.stripe.com/i/in_1_3	2026-12-04 17:29:34.881465+00	2026-12-04 17:29:34.905497+00	f	\N				f
\.


--
-- Data for Name: payment_adjustments; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.payment_adjustments (id, kind, event_id, gift_id, stripe_charge_id, stripe_payment_intent_id, stripe_object_id, amount, currency, created_at, refunded_total) FROM stdin;
dabc641d-d9b3-40e5-b93b-5582dfc85257	refund	evt_v02	7be9d0e5-cfa9-45db-b502-b97e3d39090e	ch_v1	pi_cs_v		1200	usd	2026-12-04 17:29:34.776039+00	1200
5c0163eb-413f-4b3a-894e-bd1bbe57a63e	dispute_opened	evt_v07	58fc9352-752e-4f89-8bb3-fb71c28a5ed3	ch_v3	pi_in_v3	dp_v	1500	usd	2026-12-04 17:29:34.829022+00	0
879cc135-240d-4f70-adf5-f45a37ec7cb2	dispute_won	evt_v08	58fc9352-752e-4f89-8bb3-fb71c28a5ed3	ch_v3	pi_in_v3	dp_v	1500	usd	2026-12-04 17:29:34.834994+00	0
11d09edf-b22d-4100-802c-422e42be5a2f	refund	evt_up_fullrefund	fdaf968c-830e-47c0-9e98-e7384395cbf6	ch_up_full	pi_cs_up_full		3000	gbp	2026-12-04 17:29:34.943387+00	3000
\.


--
-- Data for Name: payment_failures; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.payment_failures (invoice_id, membership_id, amount, currency, attempts, decline_code, decline_message, next_retry_at, first_failed_at, last_failed_at, recovered_at, created_at, updated_at) FROM stdin;
in_v2	8a3b3f3f-e1c1-4da9-8910-ce6ab2ca25b8	1500	usd	0			2009-02-13 23:31:30+00	2026-03-03 12:00:00+00	2026-03-03 12:00:00+00	\N	2026-12-04 17:29:34.813494+00	2026-12-04 17:29:34.813494+00
in_1_3	6c615a87-b83f-4125-ad02-1738a39eea4d	1500	usd	0			2009-02-13 23:31:30+00	2026-04-02 12:00:00+00	2026-04-02 12:00:00+00	\N	2026-12-04 17:29:34.897613+00	2026-12-04 17:29:34.897613+00
\.


--
-- Data for Name: payouts; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.payouts (id, amount, currency, status, arrival_date, failure_message, livemode, created_at, updated_at) FROM stdin;
\.


--
-- Data for Name: rate_counters; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.rate_counters (key, window_start, hits) FROM stdin;
\.


--
-- Data for Name: receipt_counters; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.receipt_counters (fiscal_year, last_number) FROM stdin;
2026	10
\.


--
-- Data for Name: receipt_hold_tokens; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.receipt_hold_tokens (token_hash, gift_id, created_at) FROM stdin;
\.


--
-- Data for Name: receipt_holds; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.receipt_holds (gift_id, reason, issue_key, payment_id, benefit_description, benefit_value, created_at, updated_at, released_at, receipt_id, outcome) FROM stdin;
\.


--
-- Data for Name: receipt_signatures; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.receipt_signatures (id, png, created_at) FROM stdin;
\.


--
-- Data for Name: receipts; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.receipts (id, number, fiscal_year, sequence, issue_key, gift_id, status, void_reason, voided_at, replaces, issued_at, gift_date, donor_id, donor_name, donor_email, donor_address_line1, donor_address_city, donor_address_postal_code, donor_address_country, amount, currency, fee_covered, benefit_description, benefit_value, deductible_amount, org_name, org_tax_id, org_address, wording_version, stripe_payment_id, verification_code, frequency, place_of_issue, signatory, verify_url, livemode, time_zone, signature_id, donor_address_line2, donor_address_state, original_amount, original_currency, exchange_rate, gift_aid, dedication_type, dedication_name, anonymous, gift_aid_note) FROM stdin;
19fff467-073f-4c86-9ca6-821dd9d2a04d	2026-000001	2026	1	gift:7be9d0e5-cfa9-45db-b502-b97e3d39090e:original	7be9d0e5-cfa9-45db-b502-b97e3d39090e	void	partially refunded ($12.00 of $50.00)	2026-12-04 17:29:34.776039+00		2026-12-04 17:29:34.755581+00	2026-02-01 12:00:00+00	810b8308-bea2-457f-9add-28a944b0d2c3	Giver	giver@example.com					5000	usd	0		0	5000	The Ledger UK			uk-1	pi_cs_v	YYNQGXVAKET2LWWGU2A3	once				f	UTC				0			f			f	
0c28832a-31fd-4871-88c1-2b2a42c61cc0	2026-000002	2026	2	gift:7be9d0e5-cfa9-45db-b502-b97e3d39090e:refund:1200	7be9d0e5-cfa9-45db-b502-b97e3d39090e	issued		\N	2026-000001	2026-12-04 17:29:34.776039+00	2026-02-01 12:00:00+00	810b8308-bea2-457f-9add-28a944b0d2c3	Giver	giver@example.com					3800	usd	0		0	3800	The Ledger UK			uk-1	pi_cs_v	EKRAOUWNMBOJ2AJMV4BU	once				f	UTC				0			f			f	
3b68d003-19e0-4317-bed3-a8f1f7d065d7	2026-000003	2026	3	invoice:in_v1	e1807bb9-8fce-4f1b-943d-2565db5dbc9e	issued		\N		2026-12-04 17:29:34.801802+00	2026-02-01 15:00:00+00	a296ae43-8e2b-43e3-8c5d-59be7c5d9c72	Mem Ber	member@example.com					1500	usd	0	a dinner	500	1000	The Ledger UK			uk-1	pi_in_v1	627HN4PXP5EBUSRVG5LU	month				f	UTC				0			f			f	
58e6d2ba-ea23-46e4-874a-da495dd7f1ce	2026-000004	2026	4	invoice:in_v3	58fc9352-752e-4f89-8bb3-fb71c28a5ed3	void	disputed (chargeback)	2026-12-04 17:29:34.829022+00		2026-12-04 17:29:34.821997+00	2026-03-04 12:00:00+00	a296ae43-8e2b-43e3-8c5d-59be7c5d9c72	Mem Ber	member@example.com					1500	usd	0	a dinner	500	1000	The Ledger UK			uk-1	pi_in_v3	L56LX3X5S4MS6L2BGTNR	month				f	UTC				0			f			f	
49089b7b-91ea-43aa-ba2b-117cae4fb738	2026-000005	2026	5	gift:58fc9352-752e-4f89-8bb3-fb71c28a5ed3:dispute-won:dp_v	58fc9352-752e-4f89-8bb3-fb71c28a5ed3	issued		\N	2026-000004	2026-12-04 17:29:34.834994+00	2026-03-04 12:00:00+00	a296ae43-8e2b-43e3-8c5d-59be7c5d9c72	Mem Ber	member@example.com					1500	usd	0	a dinner	500	1000	The Ledger UK			uk-1	pi_in_v3	CWDPPVE7MMBW6NUET5DK	month				f	UTC				0			f			f	
11cb7441-15a0-4737-a511-cf5e264521b5	2026-000006	2026	6	invoice:in_1_1	5133d982-05e8-4dff-8b5e-fc991fac35d5	issued		\N		2026-12-04 17:29:34.884635+00	2026-02-01 13:00:00+00	fc1bc3e2-53d5-4ba0-8cfb-150227be78d3	Mem Ber	member1@example.com					1500	usd	0	a dinner	500	1000	The Ledger UK			uk-1	pi_1_1	XPX5LHAAHTC3LSKKP6IK	month				f	UTC				0			f			f	
0d7998b4-df97-47f2-aa41-d34021895682	2026-000007	2026	7	invoice:in_1_2	0ec3d600-b4d9-44aa-9a88-bbd1b0f186d6	issued		\N		2026-12-04 17:29:34.890895+00	2026-03-03 12:00:00+00	fc1bc3e2-53d5-4ba0-8cfb-150227be78d3	Mem Ber	member1@example.com					1500	usd	0	a dinner	500	1000	The Ledger UK			uk-1	pi_1_2	ZT5MOQ2MQOI4RPTRT3O5	month				f	UTC				0			f			f	
f5aed7ea-38d9-4826-a86b-bcdf6e0f17b4	2026-000008	2026	8	gift:502bd8d2-1f93-4fa0-a2a0-07790cff5ac5:original	502bd8d2-1f93-4fa0-a2a0-07790cff5ac5	issued		\N		2026-12-04 17:29:34.914407+00	2026-02-03 12:00:00+00	87de7a87-d344-4d2b-ab33-ea6989ac35a6	Dee Drive	drive@example.co.uk					2500	gbp	0		0	2500	The Ledger UK			uk-1	pi_cs_up_drive	ZTNY5KMZ4JKY5ASWBER7	once				f	UTC				0			f			f	
7c200d47-789f-484a-92bc-06d538ec5615	2026-000009	2026	9	gift:203080b1-296f-42f7-bd19-bfc6dd0fcc2e:original	203080b1-296f-42f7-bd19-bfc6dd0fcc2e	issued		\N		2026-12-04 17:29:34.925911+00	2026-12-04 17:30:34+00	59972dfe-dcd4-4afa-a115-ed1f7c75482e	Jo Smith-Jones	jo@example.co.uk	12A High Street	Sheffield	s19 2bd	GB	5000	gbp	0		0	5000	The Ledger UK			uk-1	pi_cs_up_ga	K33W3UUOGGRB7AREAKDT	once				f	UTC				0			t			f	
ff522d70-3524-4f35-a6c8-ca4aa12ec228	2026-000010	2026	10	gift:fdaf968c-830e-47c0-9e98-e7384395cbf6:original	fdaf968c-830e-47c0-9e98-e7384395cbf6	void	refunded in full	2026-12-04 17:29:34.943387+00		2026-12-04 17:29:34.936222+00	2026-02-04 12:00:00+00	e29541d6-e838-4f32-8819-40b5addfe34f	Sample Donor	back@example.co.uk					3000	gbp	0		0	3000	The Ledger UK			uk-1	pi_cs_up_full	EW2SLNHCKCJH263YYM4R	once				f	UTC				0			f			f	
\.


--
-- Data for Name: schema_migrations; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.schema_migrations (version, name, applied_at) FROM stdin;
1	ledger	2026-12-04 17:29:34.552253+00
2	memberships_refunds_disputes	2026-12-04 17:29:34.565792+00
3	receipt_rules_fields	2026-12-04 17:29:34.569179+00
4	email_and_donor_accounts	2026-12-04 17:29:34.578699+00
5	staff_area	2026-12-04 17:29:34.595756+00
6	receipt_verify_url	2026-12-04 17:29:34.598501+00
7	receipts_by_donor	2026-12-04 17:29:34.601062+00
8	staff_sign_in_attempts	2026-12-04 17:29:34.607+00
9	receipt_livemode_and_time_zone	2026-12-04 17:29:34.611094+00
10	balance_transactions_and_payouts	2026-12-04 17:29:34.619846+00
11	receipt_signatures	2026-12-04 17:29:34.624535+00
12	address_line2_and_state	2026-12-04 17:29:34.628542+00
13	receipt_holds	2026-12-04 17:29:34.638642+00
14	gift_aid	2026-12-04 17:29:34.653191+00
15	receipt_dedication	2026-12-04 17:29:34.656285+00
16	keeping_members	2026-12-04 17:29:34.671212+00
17	campaigns	2026-12-04 17:29:34.678495+00
18	match_pools	2026-12-04 17:29:34.687113+00
19	gift_attribution	2026-12-04 17:29:34.69133+00
20	exports	2026-12-04 17:29:34.699967+00
21	limits	2026-12-04 17:29:34.707901+00
22	match_projected	2026-12-04 17:29:34.709906+00
23	giftaid_confirmed	2026-12-04 17:29:34.713102+00
24	benefits_declined	2026-12-04 17:29:34.7152+00
25	refund_increments	2026-12-04 17:29:34.717902+00
26	giftaid_note	2026-12-04 17:29:34.719662+00
\.


--
-- Data for Name: spent_challenges; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.spent_challenges (challenge, expires_at) FROM stdin;
\.


--
-- Data for Name: staff_sessions; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.staff_sessions (id, token_hash, staff_id, created_at, last_seen_at, expires_at) FROM stdin;
\.


--
-- Data for Name: staff_setup_tokens; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.staff_setup_tokens (token_hash, expires_at, used_at) FROM stdin;
\.


--
-- Data for Name: staff_sign_in_attempts; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.staff_sign_in_attempts (id, email, client, outcome, created_at) FROM stdin;
\.


--
-- Data for Name: staff_users; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.staff_users (id, email, password_hash, role, disabled, created_at, last_login_at) FROM stdin;
\.


--
-- Data for Name: stripe_events; Type: TABLE DATA; Schema: __SCHEMA__; Owner: -
--

COPY __SCHEMA__.stripe_events (id, type, api_version, livemode, created_at, received_at, outcome) FROM stdin;
evt_v01	checkout.session.completed	2023-10-16	f	2026-02-01 12:00:00+00	2026-12-04 17:29:34.755581+00	gift 7be9d0e5-cfa9-45db-b502-b97e3d39090e paid, receipt 2026-000001
evt_v02	charge.refunded	2023-10-16	f	2026-02-01 13:00:00+00	2026-12-04 17:29:34.776039+00	gift 7be9d0e5-cfa9-45db-b502-b97e3d39090e: receipt 2026-000001 void, partially refunded ($12.00 of $50.00), replaced by 2026-000002
evt_v03	customer.subscription.created	2023-10-16	f	2026-02-01 14:00:00+00	2026-12-04 17:29:34.789771+00	membership 8a3b3f3f-e1c1-4da9-8910-ce6ab2ca25b8: active
evt_v04	invoice.paid	2023-10-16	f	2026-02-01 15:00:00+00	2026-12-04 17:29:34.801802+00	membership 8a3b3f3f-e1c1-4da9-8910-ce6ab2ca25b8: invoice in_v1 paid as gift e1807bb9-8fce-4f1b-943d-2565db5dbc9e, receipt 2026-000003
evt_v05	invoice.payment_failed	2023-10-16	f	2026-03-03 12:00:00+00	2026-12-04 17:29:34.813494+00	membership 8a3b3f3f-e1c1-4da9-8910-ce6ab2ca25b8: invoice in_v2 payment failed (attempt 0)
evt_v06	invoice.paid	2023-10-16	f	2026-03-04 12:00:00+00	2026-12-04 17:29:34.821997+00	membership 8a3b3f3f-e1c1-4da9-8910-ce6ab2ca25b8: invoice in_v3 paid as gift 58fc9352-752e-4f89-8bb3-fb71c28a5ed3, receipt 2026-000004
evt_v07	charge.dispute.created	2023-10-16	f	2026-03-05 12:00:00+00	2026-12-04 17:29:34.829022+00	gift 58fc9352-752e-4f89-8bb3-fb71c28a5ed3 disputed, receipt 2026-000004 void
evt_v08	charge.dispute.closed	2023-10-16	f	2026-03-13 12:00:00+00	2026-12-04 17:29:34.834994+00	gift 58fc9352-752e-4f89-8bb3-fb71c28a5ed3: dispute won, receipt 2026-000005 replaces 2026-000004
evt_v09	customer.subscription.updated	2023-10-16	f	2026-03-14 12:00:00+00	2026-12-04 17:29:34.841917+00	membership 8a3b3f3f-e1c1-4da9-8910-ce6ab2ca25b8: active
evt_v10	customer.subscription.deleted	2023-10-16	f	2026-04-02 12:00:00+00	2026-12-04 17:29:34.846471+00	membership 8a3b3f3f-e1c1-4da9-8910-ce6ab2ca25b8: canceled
evt_v11	customer.created	2023-10-16	f	2026-04-03 12:00:00+00	2026-12-04 17:29:34.851175+00	ignored: no handler for customer.created
evt_1_created	customer.subscription.created	2023-10-16	f	2026-02-01 12:00:00+00	2026-12-04 17:29:34.881465+00	membership 6c615a87-b83f-4125-ad02-1738a39eea4d: active
evt_1_paid1	invoice.paid	2023-10-16	f	2026-02-01 13:00:00+00	2026-12-04 17:29:34.884635+00	membership 6c615a87-b83f-4125-ad02-1738a39eea4d: invoice in_1_1 paid as gift 5133d982-05e8-4dff-8b5e-fc991fac35d5, receipt 2026-000006
evt_1_paid2	invoice.paid	2023-10-16	f	2026-03-03 12:00:00+00	2026-12-04 17:29:34.890895+00	membership 6c615a87-b83f-4125-ad02-1738a39eea4d: invoice in_1_2 paid as gift 0ec3d600-b4d9-44aa-9a88-bbd1b0f186d6, receipt 2026-000007
evt_1_failed	invoice.payment_failed	2023-10-16	f	2026-04-02 12:00:00+00	2026-12-04 17:29:34.897613+00	membership 6c615a87-b83f-4125-ad02-1738a39eea4d: invoice in_1_3 payment failed (attempt 0)
evt_1_updated	customer.subscription.updated	2023-10-16	f	2026-04-03 12:00:00+00	2026-12-04 17:29:34.902737+00	membership 6c615a87-b83f-4125-ad02-1738a39eea4d: active
evt_1_deleted	customer.subscription.deleted	2023-10-16	f	2026-04-04 12:00:00+00	2026-12-04 17:29:34.905497+00	membership 6c615a87-b83f-4125-ad02-1738a39eea4d: canceled
evt_up_drive	checkout.session.completed	2023-10-16	f	2026-02-03 12:00:00+00	2026-12-04 17:29:34.914407+00	gift 502bd8d2-1f93-4fa0-a2a0-07790cff5ac5 paid, receipt 2026-000008
evt_up_ga	checkout.session.completed	2023-10-16	f	2026-12-04 17:30:34+00	2026-12-04 17:29:34.925911+00	gift 203080b1-296f-42f7-bd19-bfc6dd0fcc2e paid, receipt 2026-000009
evt_up_full	checkout.session.completed	2023-10-16	f	2026-02-04 12:00:00+00	2026-12-04 17:29:34.936222+00	gift fdaf968c-830e-47c0-9e98-e7384395cbf6 paid, receipt 2026-000010
evt_up_fullrefund	charge.refunded	2023-10-16	f	2026-02-05 12:00:00+00	2026-12-04 17:29:34.943387+00	gift fdaf968c-830e-47c0-9e98-e7384395cbf6: receipt 2026-000010 void, refunded in full
\.


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);


--
-- Name: balance_transactions balance_transactions_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.balance_transactions
    ADD CONSTRAINT balance_transactions_pkey PRIMARY KEY (id);


--
-- Name: campaigns campaigns_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.campaigns
    ADD CONSTRAINT campaigns_pkey PRIMARY KEY (id);


--
-- Name: campaigns campaigns_slug_key; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.campaigns
    ADD CONSTRAINT campaigns_slug_key UNIQUE (slug);


--
-- Name: donor_login_tokens donor_login_tokens_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.donor_login_tokens
    ADD CONSTRAINT donor_login_tokens_pkey PRIMARY KEY (id);


--
-- Name: donor_login_tokens donor_login_tokens_token_hash_key; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.donor_login_tokens
    ADD CONSTRAINT donor_login_tokens_token_hash_key UNIQUE (token_hash);


--
-- Name: donor_merges donor_merges_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.donor_merges
    ADD CONSTRAINT donor_merges_pkey PRIMARY KEY (id);


--
-- Name: donor_sessions donor_sessions_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.donor_sessions
    ADD CONSTRAINT donor_sessions_pkey PRIMARY KEY (id);


--
-- Name: donor_sessions donor_sessions_token_hash_key; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.donor_sessions
    ADD CONSTRAINT donor_sessions_token_hash_key UNIQUE (token_hash);


--
-- Name: donors donors_email_key; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.donors
    ADD CONSTRAINT donors_email_key UNIQUE (email);


--
-- Name: donors donors_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.donors
    ADD CONSTRAINT donors_pkey PRIMARY KEY (id);


--
-- Name: email_messages email_messages_dedupe_key_key; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.email_messages
    ADD CONSTRAINT email_messages_dedupe_key_key UNIQUE (dedupe_key);


--
-- Name: email_messages email_messages_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.email_messages
    ADD CONSTRAINT email_messages_pkey PRIMARY KEY (id);


--
-- Name: export_chunks export_chunks_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.export_chunks
    ADD CONSTRAINT export_chunks_pkey PRIMARY KEY (export_id, seq);


--
-- Name: exports exports_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.exports
    ADD CONSTRAINT exports_pkey PRIMARY KEY (id);


--
-- Name: gift_matches gift_matches_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.gift_matches
    ADD CONSTRAINT gift_matches_pkey PRIMARY KEY (gift_id, pool_id);


--
-- Name: giftaid_batches giftaid_batches_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.giftaid_batches
    ADD CONSTRAINT giftaid_batches_pkey PRIMARY KEY (id);


--
-- Name: giftaid_claims giftaid_claims_issue_key_key; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.giftaid_claims
    ADD CONSTRAINT giftaid_claims_issue_key_key UNIQUE (issue_key);


--
-- Name: giftaid_claims giftaid_claims_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.giftaid_claims
    ADD CONSTRAINT giftaid_claims_pkey PRIMARY KEY (id);


--
-- Name: giftaid_declarations giftaid_declarations_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.giftaid_declarations
    ADD CONSTRAINT giftaid_declarations_pkey PRIMARY KEY (id);


--
-- Name: gifts gifts_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.gifts
    ADD CONSTRAINT gifts_pkey PRIMARY KEY (id);


--
-- Name: gifts gifts_stripe_session_id_key; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.gifts
    ADD CONSTRAINT gifts_stripe_session_id_key UNIQUE (stripe_session_id);


--
-- Name: match_pools match_pools_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.match_pools
    ADD CONSTRAINT match_pools_pkey PRIMARY KEY (id);


--
-- Name: membership_changes membership_changes_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.membership_changes
    ADD CONSTRAINT membership_changes_pkey PRIMARY KEY (event_id);


--
-- Name: membership_restart_tokens membership_restart_tokens_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.membership_restart_tokens
    ADD CONSTRAINT membership_restart_tokens_pkey PRIMARY KEY (token_hash);


--
-- Name: memberships memberships_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.memberships
    ADD CONSTRAINT memberships_pkey PRIMARY KEY (id);


--
-- Name: memberships memberships_stripe_subscription_id_key; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.memberships
    ADD CONSTRAINT memberships_stripe_subscription_id_key UNIQUE (stripe_subscription_id);


--
-- Name: payment_adjustments payment_adjustments_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.payment_adjustments
    ADD CONSTRAINT payment_adjustments_pkey PRIMARY KEY (id);


--
-- Name: payment_failures payment_failures_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.payment_failures
    ADD CONSTRAINT payment_failures_pkey PRIMARY KEY (invoice_id);


--
-- Name: payouts payouts_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.payouts
    ADD CONSTRAINT payouts_pkey PRIMARY KEY (id);


--
-- Name: rate_counters rate_counters_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.rate_counters
    ADD CONSTRAINT rate_counters_pkey PRIMARY KEY (key, window_start);


--
-- Name: receipt_counters receipt_counters_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.receipt_counters
    ADD CONSTRAINT receipt_counters_pkey PRIMARY KEY (fiscal_year);


--
-- Name: receipt_hold_tokens receipt_hold_tokens_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.receipt_hold_tokens
    ADD CONSTRAINT receipt_hold_tokens_pkey PRIMARY KEY (token_hash);


--
-- Name: receipt_holds receipt_holds_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.receipt_holds
    ADD CONSTRAINT receipt_holds_pkey PRIMARY KEY (gift_id);


--
-- Name: receipt_signatures receipt_signatures_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.receipt_signatures
    ADD CONSTRAINT receipt_signatures_pkey PRIMARY KEY (id);


--
-- Name: receipts receipts_fiscal_year_sequence_key; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.receipts
    ADD CONSTRAINT receipts_fiscal_year_sequence_key UNIQUE (fiscal_year, sequence);


--
-- Name: receipts receipts_issue_key_key; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.receipts
    ADD CONSTRAINT receipts_issue_key_key UNIQUE (issue_key);


--
-- Name: receipts receipts_number_key; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.receipts
    ADD CONSTRAINT receipts_number_key UNIQUE (number);


--
-- Name: receipts receipts_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.receipts
    ADD CONSTRAINT receipts_pkey PRIMARY KEY (id);


--
-- Name: receipts receipts_verification_code_key; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.receipts
    ADD CONSTRAINT receipts_verification_code_key UNIQUE (verification_code);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- Name: spent_challenges spent_challenges_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.spent_challenges
    ADD CONSTRAINT spent_challenges_pkey PRIMARY KEY (challenge);


--
-- Name: staff_sessions staff_sessions_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.staff_sessions
    ADD CONSTRAINT staff_sessions_pkey PRIMARY KEY (id);


--
-- Name: staff_sessions staff_sessions_token_hash_key; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.staff_sessions
    ADD CONSTRAINT staff_sessions_token_hash_key UNIQUE (token_hash);


--
-- Name: staff_setup_tokens staff_setup_tokens_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.staff_setup_tokens
    ADD CONSTRAINT staff_setup_tokens_pkey PRIMARY KEY (token_hash);


--
-- Name: staff_sign_in_attempts staff_sign_in_attempts_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.staff_sign_in_attempts
    ADD CONSTRAINT staff_sign_in_attempts_pkey PRIMARY KEY (id);


--
-- Name: staff_users staff_users_email_key; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.staff_users
    ADD CONSTRAINT staff_users_email_key UNIQUE (email);


--
-- Name: staff_users staff_users_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.staff_users
    ADD CONSTRAINT staff_users_pkey PRIMARY KEY (id);


--
-- Name: stripe_events stripe_events_pkey; Type: CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.stripe_events
    ADD CONSTRAINT stripe_events_pkey PRIMARY KEY (id);


--
-- Name: audit_log_created; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX audit_log_created ON __SCHEMA__.audit_log USING btree (created_at);


--
-- Name: balance_transactions_charge; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX balance_transactions_charge ON __SCHEMA__.balance_transactions USING btree (charge_id);


--
-- Name: balance_transactions_payout; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX balance_transactions_payout ON __SCHEMA__.balance_transactions USING btree (payout_id);


--
-- Name: donors_name; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX donors_name ON __SCHEMA__.donors USING btree (name);


--
-- Name: email_messages_donor; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX email_messages_donor ON __SCHEMA__.email_messages USING btree (donor_id);


--
-- Name: email_messages_status; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX email_messages_status ON __SCHEMA__.email_messages USING btree (status);


--
-- Name: exports_by_created; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX exports_by_created ON __SCHEMA__.exports USING btree (created_at);


--
-- Name: exports_one_at_a_time; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE UNIQUE INDEX exports_one_at_a_time ON __SCHEMA__.exports USING btree (kind, params) WHERE (status = ANY (ARRAY['queued'::text, 'running'::text]));


--
-- Name: giftaid_claims_gift; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX giftaid_claims_gift ON __SCHEMA__.giftaid_claims USING btree (gift_id);


--
-- Name: giftaid_claims_pending; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX giftaid_claims_pending ON __SCHEMA__.giftaid_claims USING btree (donation_date) WHERE (status = 'pending'::text);


--
-- Name: giftaid_declarations_donor; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX giftaid_declarations_donor ON __SCHEMA__.giftaid_declarations USING btree (donor_id);


--
-- Name: giftaid_declarations_email; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX giftaid_declarations_email ON __SCHEMA__.giftaid_declarations USING btree (email);


--
-- Name: gifts_by_created; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX gifts_by_created ON __SCHEMA__.gifts USING btree (created_at);


--
-- Name: gifts_campaign; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX gifts_campaign ON __SCHEMA__.gifts USING btree (campaign_id);


--
-- Name: gifts_campaign_touched; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX gifts_campaign_touched ON __SCHEMA__.gifts USING btree (updated_at) WHERE (campaign_id IS NOT NULL);


--
-- Name: gifts_charge; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX gifts_charge ON __SCHEMA__.gifts USING btree (stripe_charge_id);


--
-- Name: gifts_donor_id; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX gifts_donor_id ON __SCHEMA__.gifts USING btree (donor_id);


--
-- Name: gifts_invoice; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE UNIQUE INDEX gifts_invoice ON __SCHEMA__.gifts USING btree (stripe_invoice_id);


--
-- Name: gifts_membership; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX gifts_membership ON __SCHEMA__.gifts USING btree (membership_id);


--
-- Name: gifts_paid_at; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX gifts_paid_at ON __SCHEMA__.gifts USING btree (paid_at);


--
-- Name: gifts_payment_intent; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX gifts_payment_intent ON __SCHEMA__.gifts USING btree (stripe_payment_intent_id);


--
-- Name: membership_changes_membership; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX membership_changes_membership ON __SCHEMA__.membership_changes USING btree (membership_id, at);


--
-- Name: memberships_donor; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX memberships_donor ON __SCHEMA__.memberships USING btree (donor_id);


--
-- Name: payment_adjustments_gift; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX payment_adjustments_gift ON __SCHEMA__.payment_adjustments USING btree (gift_id);


--
-- Name: payment_failures_membership; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX payment_failures_membership ON __SCHEMA__.payment_failures USING btree (membership_id);


--
-- Name: payouts_arrival; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX payouts_arrival ON __SCHEMA__.payouts USING btree (arrival_date);


--
-- Name: rate_counters_by_start; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX rate_counters_by_start ON __SCHEMA__.rate_counters USING btree (window_start);


--
-- Name: receipt_holds_open; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX receipt_holds_open ON __SCHEMA__.receipt_holds USING btree (created_at) WHERE (released_at IS NULL);


--
-- Name: receipts_donor_year; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX receipts_donor_year ON __SCHEMA__.receipts USING btree (donor_id, fiscal_year, sequence);


--
-- Name: receipts_gift_id; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX receipts_gift_id ON __SCHEMA__.receipts USING btree (gift_id);


--
-- Name: receipts_replaces; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX receipts_replaces ON __SCHEMA__.receipts USING btree (replaces);


--
-- Name: spent_challenges_by_expiry; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX spent_challenges_by_expiry ON __SCHEMA__.spent_challenges USING btree (expires_at);


--
-- Name: staff_sign_in_attempts_client; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX staff_sign_in_attempts_client ON __SCHEMA__.staff_sign_in_attempts USING btree (client, created_at);


--
-- Name: staff_sign_in_attempts_pair; Type: INDEX; Schema: __SCHEMA__; Owner: -
--

CREATE INDEX staff_sign_in_attempts_pair ON __SCHEMA__.staff_sign_in_attempts USING btree (email, client, created_at);


--
-- Name: donor_merges donor_merges_from_donor_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.donor_merges
    ADD CONSTRAINT donor_merges_from_donor_id_fkey FOREIGN KEY (from_donor_id) REFERENCES __SCHEMA__.donors(id);


--
-- Name: donor_merges donor_merges_into_donor_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.donor_merges
    ADD CONSTRAINT donor_merges_into_donor_id_fkey FOREIGN KEY (into_donor_id) REFERENCES __SCHEMA__.donors(id);


--
-- Name: donor_sessions donor_sessions_donor_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.donor_sessions
    ADD CONSTRAINT donor_sessions_donor_id_fkey FOREIGN KEY (donor_id) REFERENCES __SCHEMA__.donors(id);


--
-- Name: email_messages email_messages_donor_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.email_messages
    ADD CONSTRAINT email_messages_donor_id_fkey FOREIGN KEY (donor_id) REFERENCES __SCHEMA__.donors(id);


--
-- Name: email_messages email_messages_gift_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.email_messages
    ADD CONSTRAINT email_messages_gift_id_fkey FOREIGN KEY (gift_id) REFERENCES __SCHEMA__.gifts(id);


--
-- Name: email_messages email_messages_membership_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.email_messages
    ADD CONSTRAINT email_messages_membership_id_fkey FOREIGN KEY (membership_id) REFERENCES __SCHEMA__.memberships(id);


--
-- Name: email_messages email_messages_receipt_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.email_messages
    ADD CONSTRAINT email_messages_receipt_id_fkey FOREIGN KEY (receipt_id) REFERENCES __SCHEMA__.receipts(id);


--
-- Name: export_chunks export_chunks_export_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.export_chunks
    ADD CONSTRAINT export_chunks_export_id_fkey FOREIGN KEY (export_id) REFERENCES __SCHEMA__.exports(id);


--
-- Name: gift_matches gift_matches_gift_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.gift_matches
    ADD CONSTRAINT gift_matches_gift_id_fkey FOREIGN KEY (gift_id) REFERENCES __SCHEMA__.gifts(id);


--
-- Name: gift_matches gift_matches_pool_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.gift_matches
    ADD CONSTRAINT gift_matches_pool_id_fkey FOREIGN KEY (pool_id) REFERENCES __SCHEMA__.match_pools(id);


--
-- Name: giftaid_claims giftaid_claims_batch_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.giftaid_claims
    ADD CONSTRAINT giftaid_claims_batch_id_fkey FOREIGN KEY (batch_id) REFERENCES __SCHEMA__.giftaid_batches(id);


--
-- Name: giftaid_claims giftaid_claims_declaration_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.giftaid_claims
    ADD CONSTRAINT giftaid_claims_declaration_id_fkey FOREIGN KEY (declaration_id) REFERENCES __SCHEMA__.giftaid_declarations(id);


--
-- Name: giftaid_claims giftaid_claims_gift_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.giftaid_claims
    ADD CONSTRAINT giftaid_claims_gift_id_fkey FOREIGN KEY (gift_id) REFERENCES __SCHEMA__.gifts(id);


--
-- Name: giftaid_declarations giftaid_declarations_donor_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.giftaid_declarations
    ADD CONSTRAINT giftaid_declarations_donor_id_fkey FOREIGN KEY (donor_id) REFERENCES __SCHEMA__.donors(id);


--
-- Name: giftaid_declarations giftaid_declarations_gift_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.giftaid_declarations
    ADD CONSTRAINT giftaid_declarations_gift_id_fkey FOREIGN KEY (gift_id) REFERENCES __SCHEMA__.gifts(id);


--
-- Name: gifts gifts_campaign_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.gifts
    ADD CONSTRAINT gifts_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES __SCHEMA__.campaigns(id);


--
-- Name: gifts gifts_donor_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.gifts
    ADD CONSTRAINT gifts_donor_id_fkey FOREIGN KEY (donor_id) REFERENCES __SCHEMA__.donors(id);


--
-- Name: match_pools match_pools_campaign_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.match_pools
    ADD CONSTRAINT match_pools_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES __SCHEMA__.campaigns(id);


--
-- Name: membership_changes membership_changes_membership_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.membership_changes
    ADD CONSTRAINT membership_changes_membership_id_fkey FOREIGN KEY (membership_id) REFERENCES __SCHEMA__.memberships(id);


--
-- Name: membership_restart_tokens membership_restart_tokens_membership_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.membership_restart_tokens
    ADD CONSTRAINT membership_restart_tokens_membership_id_fkey FOREIGN KEY (membership_id) REFERENCES __SCHEMA__.memberships(id);


--
-- Name: memberships memberships_donor_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.memberships
    ADD CONSTRAINT memberships_donor_id_fkey FOREIGN KEY (donor_id) REFERENCES __SCHEMA__.donors(id);


--
-- Name: payment_adjustments payment_adjustments_gift_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.payment_adjustments
    ADD CONSTRAINT payment_adjustments_gift_id_fkey FOREIGN KEY (gift_id) REFERENCES __SCHEMA__.gifts(id);


--
-- Name: payment_failures payment_failures_membership_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.payment_failures
    ADD CONSTRAINT payment_failures_membership_id_fkey FOREIGN KEY (membership_id) REFERENCES __SCHEMA__.memberships(id);


--
-- Name: receipt_hold_tokens receipt_hold_tokens_gift_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.receipt_hold_tokens
    ADD CONSTRAINT receipt_hold_tokens_gift_id_fkey FOREIGN KEY (gift_id) REFERENCES __SCHEMA__.receipt_holds(gift_id);


--
-- Name: receipt_holds receipt_holds_gift_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.receipt_holds
    ADD CONSTRAINT receipt_holds_gift_id_fkey FOREIGN KEY (gift_id) REFERENCES __SCHEMA__.gifts(id);


--
-- Name: receipt_holds receipt_holds_receipt_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.receipt_holds
    ADD CONSTRAINT receipt_holds_receipt_id_fkey FOREIGN KEY (receipt_id) REFERENCES __SCHEMA__.receipts(id);


--
-- Name: receipts receipts_donor_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.receipts
    ADD CONSTRAINT receipts_donor_id_fkey FOREIGN KEY (donor_id) REFERENCES __SCHEMA__.donors(id);


--
-- Name: receipts receipts_gift_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.receipts
    ADD CONSTRAINT receipts_gift_id_fkey FOREIGN KEY (gift_id) REFERENCES __SCHEMA__.gifts(id);


--
-- Name: staff_sessions staff_sessions_staff_id_fkey; Type: FK CONSTRAINT; Schema: __SCHEMA__; Owner: -
--

ALTER TABLE ONLY __SCHEMA__.staff_sessions
    ADD CONSTRAINT staff_sessions_staff_id_fkey FOREIGN KEY (staff_id) REFERENCES __SCHEMA__.staff_users(id);


--
-- PostgreSQL database dump complete
--

\unrestrict AcpExySmZBA7p7am3fPrT6IoVUgVdb8UQ6z64qKhDDmWdkS6OJreLC3Z4qUEupy

