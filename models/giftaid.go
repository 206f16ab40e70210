package models

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/indienews/donations/money"
)

// UK Gift Aid. A UK taxpayer's declaration lets the charity reclaim basic
// rate tax on their gifts: 25p on every £1. The declaration is kept as the
// donor made it (the wording shown and when), and covers the gift it was
// made with and every later one, recurring ones included, until the donor
// cancels it. Each covered gift gets a claim line in the transaction that
// records its payment; a claim (a batch) takes the pending lines of a
// period once, and a refund removes an unclaimed line or, once claimed,
// records an adjustment to report with the next claim.

// GiftAidWordingVersion names the wording below; a declaration keeps the
// text itself, so a later change of wording never changes a past one.
const GiftAidWordingVersion = "hmrc-model-2026"

// GiftAidWording is HMRC's model declaration for this and future gifts,
// with the charity's name.
func GiftAidWording(charity string) string {
	return "I want to Gift Aid my donation and any donations I make in the future to " + charity + ". " +
		"I am a UK taxpayer and understand that if I pay less Income Tax and/or Capital Gains Tax in the current tax year " +
		"than the amount of Gift Aid claimed on all my donations it is my responsibility to pay any difference."
}

// Claim line kinds and statuses.
const (
	GiftAidDonation   = "donation"   // a gift to claim on
	GiftAidAdjustment = "adjustment" // a refund of a gift already claimed on: a negative amount
	GiftAidPending    = "pending"    // in no claim yet
	GiftAidClaimed    = "claimed"    // in a claim (batch)
	GiftAidRemoved    = "removed"    // refunded before it was claimed
)

// GiftAidDeclaration is one donor's declaration, as made.
type GiftAidDeclaration struct {
	ID          string
	Email       string
	DonorID     *string
	GiftID      *string
	Title       string
	FirstName   string
	LastName    string
	House       string // house name or number
	Address     string // the home address as given, one line
	Postcode    string // "X" for a donor living outside the UK, as HMRC asks
	Charity     string
	Wording     string
	DeclaredAt  time.Time
	CancelledAt *time.Time
	// ConfirmedAt: the payment of the gift it came with (or the signed-in
	// donor) confirmed it; until then it covers nothing.
	ConfirmedAt *time.Time
}

func (GiftAidDeclaration) TableName() string { return "giftaid_declarations" }

// Covers reports whether the declaration covers a gift paid at t.
func (d *GiftAidDeclaration) Covers(t time.Time) bool {
	return !t.Before(d.DeclaredAt.Add(-time.Minute)) && (d.CancelledAt == nil || t.Before(*d.CancelledAt))
}

// GiftAidClaim is one line of a Gift Aid claim.
type GiftAidClaim struct {
	ID            string
	GiftID        string
	DeclarationID string
	Kind          string
	IssueKey      string
	Amount        int64 // pence; negative for an adjustment
	DonationDate  time.Time
	Status        string
	BatchID       *string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (GiftAidClaim) TableName() string { return "giftaid_claims" }

// GiftAidBatch is one claim: the lines of a period, taken once.
type GiftAidBatch struct {
	ID          string
	PeriodFrom  time.Time
	PeriodTo    time.Time
	Lines       int
	Total       int64 // pence claimed on
	Adjustments int64 // pence of earlier claims refunded since, to report (negative)
	CreatedBy   string
	CreatedAt   time.Time
}

func (GiftAidBatch) TableName() string { return "giftaid_batches" }

var ukPostcode = regexp.MustCompile(`^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$`)

// UKPostcode formats a UK postcode as HMRC wants it (capitals, one space
// before the last three characters); ok is false when p is not one.
func UKPostcode(p string) (string, bool) {
	p = strings.ToUpper(strings.Join(strings.Fields(p), ""))
	if len(p) < 5 || !ukPostcode.MatchString(p) {
		return "", false
	}
	return p[:len(p)-3] + " " + p[len(p)-3:], true
}

// IsUK reports whether a country as typed (or as Stripe writes it) is the
// United Kingdom.
func IsUK(country string) bool {
	switch strings.ToUpper(strings.TrimSpace(country)) {
	case "GB", "UK", "UNITED KINGDOM", "GREAT BRITAIN", "ENGLAND", "SCOTLAND", "WALES", "NORTHERN IRELAND":
		return true
	}
	return false
}

// HouseOf is the house name or number HMRC asks for, from an address's
// first line: its leading number ("12A" of "12A High Street"), or the
// line up to its first comma (a house name). A flat keeps its building,
// as HMRC's guidance for the field asks: "Flat 2, 10 High St" gives
// "Flat 2, 10", "Flat 2, Rose Court, Mill Lane" gives "Flat 2, Rose
// Court". At most 40 characters, the schedule's limit.
func HouseOf(line1 string) string {
	line1 = strings.TrimSpace(line1)
	first, rest, _ := strings.Cut(line1, ",")
	first = strings.TrimSpace(first)
	if isFlat(first) && strings.TrimSpace(rest) != "" {
		return limitRunes(first+", "+houseOfBuilding(strings.TrimSpace(rest)), 40)
	}
	return limitRunes(houseOfBuilding(line1), 40)
}

// houseOfBuilding is a building's number, or its name up to a comma.
func houseOfBuilding(line string) string {
	if f := strings.Fields(line); len(f) > 0 && f[0][0] >= '0' && f[0][0] <= '9' {
		return strings.TrimRight(f[0], ",")
	}
	name, _, _ := strings.Cut(line, ",")
	return strings.TrimSpace(name)
}

// isFlat: "Flat 2", "Apartment 4B", "Unit 3".
func isFlat(part string) bool {
	f := strings.Fields(strings.ToLower(part))
	if len(f) != 2 || f[1][0] < '0' || f[1][0] > '9' {
		return false
	}
	switch f[0] {
	case "flat", "apartment", "apt", "apt.", "unit", "suite", "room", "maisonette":
		return true
	}
	return false
}

func limitRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return strings.TrimSpace(string(r[:n]))
	}
	return s
}

// NewGiftAidDeclaration makes the declaration a donor gives on the form,
// with their home address: HMRC's model wording naming charity.
func NewGiftAidDeclaration(email, title, first, last string, home Address, charity string) *GiftAidDeclaration {
	postcode := "X"
	if IsUK(home.Country) {
		if p, ok := UKPostcode(home.PostalCode); ok {
			postcode = p
		}
	}
	return &GiftAidDeclaration{Email: NormaliseEmail(email), Title: strings.TrimSpace(title), FirstName: strings.TrimSpace(first),
		LastName: strings.TrimSpace(last), House: HouseOf(home.Line1), Address: strings.Join(home.Lines(), ", "), Postcode: postcode,
		Charity: charity, Wording: GiftAidWording(charity)}
}

// CreateGiftWithDeclaration stores a pending gift from the donate form and
// the Gift Aid declaration made with it, together.
func (s *Store) CreateGiftWithDeclaration(ctx context.Context, g *Gift, d *GiftAidDeclaration) error {
	if d == nil {
		return s.CreateGift(ctx, g)
	}
	err := s.transaction(ctx, func(tx *Tx) error {
		g.ID, g.Status, g.Source = uuid.NewString(), GiftPending, SourceForm
		g.Email = NormaliseEmail(g.Email)
		g.TotalAmount = g.Amount + g.FeeAmount
		if err := tx.Create(g).Error; err != nil {
			return err
		}
		d.ID, d.GiftID, d.DeclaredAt = uuid.NewString(), &g.ID, tx.now
		return tx.Create(d).Error
	})
	return wrap(err, "gifts: create with a Gift Aid declaration")
}

// giftAidLimit is the most a donor may receive in benefits for a gift and
// keep it eligible: 25% of a gift up to £100; above, £25 and 5% of the
// part over £100.
func giftAidLimit(amount int64) int64 {
	if amount <= 10000 {
		return amount / 4
	}
	return 2500 + (amount-10000)/20
}

// giftAidDeclaration is the declaration covering a gift paid at t, nil
// when none does (or the rule set is not uk, or the gift is not in
// pounds). The gift's own declaration, made with it on the form, is
// confirmed by this payment and bound to the donor the payment names.
// Otherwise only a declaration that this same donor made and confirmed
// counts: never one that merely names their email address, which anyone
// could type on the form.
func (s *Store) giftAidDeclaration(tx *Tx, g *Gift, donorID string, t time.Time) (*GiftAidDeclaration, error) {
	if s.receipts.Rules != "uk" || g.Currency != "gbp" {
		return nil, nil
	}
	var own []GiftAidDeclaration
	if err := tx.Where("gift_id = ?", g.ID).Find(&own).Error; err != nil {
		return nil, err
	}
	for i := range own {
		d := &own[i]
		up := map[string]any{}
		if d.ConfirmedAt == nil {
			d.ConfirmedAt, up["confirmed_at"] = &tx.now, tx.now
		}
		if donorID != "" && (d.DonorID == nil || *d.DonorID != donorID) {
			d.DonorID, up["donor_id"] = &donorID, donorID
		}
		if len(up) > 0 {
			if err := tx.Model(d).Updates(up).Error; err != nil {
				return nil, err
			}
		}
		if d.Covers(t) {
			return d, nil
		}
	}
	if donorID == "" {
		return nil, nil
	}
	var ds []GiftAidDeclaration
	err := tx.Where("donor_id = ? AND confirmed_at IS NOT NULL AND declared_at <= ?", donorID, t.Add(time.Minute)).
		Order("declared_at DESC").Find(&ds).Error
	if err != nil {
		return nil, err
	}
	for i := range ds {
		if ds[i].Covers(t) {
			return &ds[i], nil
		}
	}
	return nil, nil
}

// GiftAidBenefitsCap is the most a donor may receive in benefits over a
// UK tax year (6 April to 5 April) and still have gifts claimed.
const GiftAidBenefitsCap = 250000

// claimGiftAid records the claim line of a paid gift a declaration covers,
// once (its key). Benefits above HMRC's limits make the gift ineligible:
// the limit of the gift itself, or the donor's benefits over the tax year
// passing the cap; the note says which, for the donor and staff.
func (s *Store) claimGiftAid(tx *Tx, key string, g *Gift, donorID string, d *GiftAidDeclaration, benefit int64) (bool, string, error) {
	if d == nil {
		return false, "", nil
	}
	if benefit > giftAidLimit(g.TotalAmount) {
		return false, "the benefits it brings (" + money.Display(benefit, g.Currency) + ") are more than HMRC allows for a gift of " +
			money.Display(g.TotalAmount, g.Currency), nil
	}
	paid := tx.now
	if g.PaidAt != nil {
		paid = *g.PaidAt
	}
	if benefit > 0 && donorID != "" {
		from, to := ukTaxYear(paid)
		var before int64
		if err := tx.Model(&Receipt{}).Where("donor_id = ? AND status = ? AND gift_date >= ? AND gift_date < ?", donorID, ReceiptIssued, from, to).
			Select("COALESCE(SUM(benefit_value), 0)").Scan(&before).Error; err != nil {
			return false, "", err
		}
		if before+benefit > GiftAidBenefitsCap {
			return false, "with it, your benefits this tax year come to " + money.Display(before+benefit, g.Currency) +
				", over HMRC's yearly limit of " + money.Display(GiftAidBenefitsCap, "gbp"), nil
		}
	}
	c := GiftAidClaim{ID: uuid.NewString(), GiftID: g.ID, DeclarationID: d.ID, Kind: GiftAidDonation, IssueKey: "giftaid:" + key,
		Amount: g.TotalAmount, DonationDate: paid.UTC(), Status: GiftAidPending, CreatedAt: tx.now, UpdatedAt: tx.now}
	res := tx.Where("issue_key = ?", c.IssueKey).FirstOrCreate(&c)
	return res.Error == nil, "", res.Error
}

// ukTaxYear is the UK tax year t falls in: 6 April to 5 April, London time.
func ukTaxYear(t time.Time) (time.Time, time.Time) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	start := time.Date(lt.Year(), time.April, 6, 0, 0, 0, 0, loc)
	if lt.Before(start) {
		start = start.AddDate(-1, 0, 0)
	}
	return start.UTC(), start.AddDate(1, 0, 0).UTC()
}

// refundGiftAid follows a gift's refund (refunded is the cumulative
// amount, before is what was refunded until now): an unclaimed line is
// reduced, or removed when nothing remains; a claimed one gets an
// adjustment for the part refunded since.
func (s *Store) refundGiftAid(tx *Tx, g *Gift, before, refunded int64) error {
	var c GiftAidClaim
	if err := tx.Where("gift_id = ? AND kind = ?", g.ID, GiftAidDonation).Limit(1).Find(&c).Error; err != nil || c.ID == "" {
		return err
	}
	switch c.Status {
	case GiftAidPending:
		remaining := g.TotalAmount - refunded
		up := map[string]any{"amount": max(0, remaining), "updated_at": tx.now}
		if remaining <= 0 {
			up["status"] = GiftAidRemoved
		}
		return tx.Model(&c).Updates(up).Error
	case GiftAidClaimed:
		amount := -(min(refunded, g.TotalAmount) - before)
		if amount >= 0 {
			return nil
		}
		adj := GiftAidClaim{ID: uuid.NewString(), GiftID: g.ID, DeclarationID: c.DeclarationID, Kind: GiftAidAdjustment,
			IssueKey: fmt.Sprintf("giftaid:%s:refund:%d", g.ID, refunded), Amount: amount, DonationDate: c.DonationDate,
			Status: GiftAidPending, CreatedAt: tx.now, UpdatedAt: tx.now}
		return tx.Where("issue_key = ?", adj.IssueKey).FirstOrCreate(&adj).Error
	}
	return nil
}

// GiftAidDeclarationsOf lists the declarations a donor made and
// confirmed, newest first, with the gift each came with (nil for none).
func (s *Store) GiftAidDeclarationsOf(ctx context.Context, donorID string) ([]GiftAidDeclaration, map[string]*Gift, error) {
	var ds []GiftAidDeclaration
	if err := s.db.WithContext(ctx).Where("donor_id = ? AND confirmed_at IS NOT NULL", donorID).Order("declared_at DESC").Find(&ds).Error; err != nil {
		return nil, nil, wrap(err, "gift aid: declarations of %s", donorID)
	}
	gifts := map[string]*Gift{}
	for _, d := range ds {
		if d.GiftID == nil {
			continue
		}
		var g Gift
		if err := s.db.WithContext(ctx).Where("id = ?", *d.GiftID).Limit(1).Find(&g).Error; err != nil {
			return nil, nil, wrap(err, "gift aid: gift of declaration %s", d.ID)
		}
		if g.ID != "" {
			gifts[d.ID] = &g
		}
	}
	return ds, gifts, nil
}

// ActiveGiftAidDeclaration is a donor's declaration in force, nil when
// they have none.
func (s *Store) ActiveGiftAidDeclaration(ctx context.Context, donor *Donor) (*GiftAidDeclaration, error) {
	var d GiftAidDeclaration
	err := s.db.WithContext(ctx).Where("donor_id = ? AND confirmed_at IS NOT NULL AND cancelled_at IS NULL", donor.ID).
		Order("declared_at DESC").Limit(1).Find(&d).Error
	if err != nil || d.ID == "" {
		return nil, wrap(err, "gift aid: declaration of %s", donor.ID)
	}
	return &d, nil
}

// CancelGiftAid cancels a donor's declarations from now on: gifts made
// before stay claimable, later ones are not claimed.
func (s *Store) CancelGiftAid(ctx context.Context, donor *Donor) (int64, error) {
	var n int64
	err := s.transaction(ctx, func(tx *Tx) error {
		res := tx.Model(&GiftAidDeclaration{}).Where("(email = ? OR donor_id = ?) AND cancelled_at IS NULL", donor.Email, donor.ID).
			Update("cancelled_at", tx.now)
		n = res.RowsAffected
		if res.Error != nil || n == 0 {
			return res.Error
		}
		return s.audit(tx, Actor{Email: donor.Email}, "gift aid cancelled", fmt.Sprintf("the donor cancelled %d declaration(s) from %s", n, tx.now.Format(time.RFC3339)))
	})
	return n, wrap(err, "gift aid: cancel for %s", donor.ID)
}

// GiftAidLine is a claim line as the schedule lists it: the donor as the
// declaration gives them.
type GiftAidLine struct {
	Claim       GiftAidClaim
	Declaration GiftAidDeclaration
}

// GiftAidPendingSummary counts what the next claim would take.
type GiftAidPendingSummary struct {
	Lines       int
	Total       int64
	Adjustments int64
}

// GiftAidPending sums the pending lines of donations made in [from, to).
func (s *Store) GiftAidPending(ctx context.Context, from, to time.Time) (GiftAidPendingSummary, error) {
	var cs []GiftAidClaim
	err := s.db.WithContext(ctx).Where("status = ? AND donation_date >= ? AND donation_date < ?", GiftAidPending, from.UTC(), to.UTC()).Find(&cs).Error
	var sum GiftAidPendingSummary
	for _, c := range cs {
		if c.Kind == GiftAidAdjustment {
			sum.Adjustments += c.Amount
			continue
		}
		sum.Lines++
		sum.Total += c.Amount
	}
	return sum, wrap(err, "gift aid: pending")
}

// ClaimGiftAid takes every pending line of donations made in [from, to)
// into a new claim, once: a line in a claim is never taken again. It
// returns the claim; one with no lines is not recorded (nil).
func (s *Store) ClaimGiftAid(ctx context.Context, from, to time.Time, by Actor) (*GiftAidBatch, error) {
	var b *GiftAidBatch
	err := s.transaction(ctx, func(tx *Tx) error {
		// One claim at a time: two staff pressing the button take the
		// lines once between them.
		if err := s.xactLocks(tx, paymentLockClass, []string{"giftaid:claim"}); err != nil {
			return err
		}
		var cs []GiftAidClaim
		if err := tx.Where("status = ? AND donation_date >= ? AND donation_date < ?", GiftAidPending, from.UTC(), to.UTC()).
			Find(&cs).Error; err != nil {
			return err
		}
		if len(cs) == 0 {
			return nil
		}
		b = &GiftAidBatch{ID: uuid.NewString(), PeriodFrom: from.UTC(), PeriodTo: to.UTC(), CreatedBy: by.Email, CreatedAt: tx.now}
		ids := make([]string, len(cs))
		for i, c := range cs {
			ids[i] = c.ID
			if c.Kind == GiftAidAdjustment {
				b.Adjustments += c.Amount
			} else {
				b.Lines++
				b.Total += c.Amount
			}
		}
		if err := tx.Create(b).Error; err != nil {
			return err
		}
		if err := tx.Model(&GiftAidClaim{}).Where("id IN ? AND status = ?", ids, GiftAidPending).
			Updates(map[string]any{"status": GiftAidClaimed, "batch_id": b.ID, "updated_at": tx.now}).Error; err != nil {
			return err
		}
		return s.audit(tx, by, "gift aid claim", fmt.Sprintf("claim %s: %d donations, %d pence; adjustments %d pence", b.ID, b.Lines, b.Total, b.Adjustments))
	})
	return b, wrap(err, "gift aid: claim")
}

// GiftAidBatches lists the claims made, newest first.
func (s *Store) GiftAidBatches(ctx context.Context, limit int) ([]GiftAidBatch, error) {
	var out []GiftAidBatch
	err := s.db.WithContext(ctx).Order("created_at DESC").Limit(limit).Find(&out).Error
	return out, wrap(err, "gift aid: claims")
}

// GiftAidBatchByID is one claim.
func (s *Store) GiftAidBatchByID(ctx context.Context, id string) (*GiftAidBatch, error) {
	var b GiftAidBatch
	if err := s.db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&b).Error; err != nil {
		return nil, wrap(err, "gift aid: claim %s", id)
	}
	if b.ID == "" {
		return nil, ErrNotFound
	}
	return &b, nil
}

// GiftAidLinesOf lists a claim's lines with their declarations, donations
// by date, adjustments last.
func (s *Store) GiftAidLinesOf(ctx context.Context, batchID string) ([]GiftAidLine, error) {
	var cs []GiftAidClaim
	db := s.db.WithContext(ctx)
	if err := db.Where("batch_id = ?", batchID).Order("kind DESC, donation_date, id").Find(&cs).Error; err != nil {
		return nil, wrap(err, "gift aid: lines of %s", batchID)
	}
	ids := map[string]bool{}
	for _, c := range cs {
		ids[c.DeclarationID] = true
	}
	keys := make([]string, 0, len(ids))
	for id := range ids {
		keys = append(keys, id)
	}
	var ds []GiftAidDeclaration
	if len(keys) > 0 {
		if err := db.Where("id IN ?", keys).Find(&ds).Error; err != nil {
			return nil, wrap(err, "gift aid: declarations of %s", batchID)
		}
	}
	byID := map[string]GiftAidDeclaration{}
	for _, d := range ds {
		byID[d.ID] = d
	}
	out := make([]GiftAidLine, len(cs))
	for i, c := range cs {
		out[i] = GiftAidLine{Claim: c, Declaration: byID[c.DeclarationID]}
	}
	return out, nil
}

// GiftAidNameCheck is a waiting donation whose declaration names someone
// the donor's record does not: staff look before they claim.
type GiftAidNameCheck struct {
	GiftID, DonorID        string
	DonationDate           time.Time
	Amount                 int64
	DeclaredAs, DonorName  string
	DeclarationAddressLine string
}

// GiftAidNameChecks lists the waiting donations whose declaration's first
// or last name is not in the paying donor's name.
func (s *Store) GiftAidNameChecks(ctx context.Context) ([]GiftAidNameCheck, error) {
	var rows []struct {
		GiftID, DonorID, FirstName, LastName, DonorName, Address string
		DonationDate                                             time.Time
		Amount                                                   int64
	}
	err := s.db.WithContext(ctx).Table("giftaid_claims AS c").
		Select(`c.gift_id, COALESCE(g.donor_id, '') AS donor_id, d.first_name, d.last_name, COALESCE(dn.name, g.name) AS donor_name,
			d.address, c.donation_date, c.amount`).
		Joins("JOIN giftaid_declarations d ON d.id = c.declaration_id").
		Joins("JOIN gifts g ON g.id = c.gift_id").
		Joins("LEFT JOIN donors dn ON dn.id = g.donor_id").
		Where("c.status = ? AND c.kind = ?", GiftAidPending, GiftAidDonation).Order("c.donation_date").Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "gift aid: name checks")
	}
	var out []GiftAidNameCheck
	for _, r := range rows {
		name := " " + nameWords(r.DonorName) + " "
		if strings.Contains(name, " "+nameWords(r.FirstName)+" ") && strings.Contains(name, " "+nameWords(r.LastName)+" ") {
			continue
		}
		out = append(out, GiftAidNameCheck{GiftID: r.GiftID, DonorID: r.DonorID, DonationDate: r.DonationDate, Amount: r.Amount,
			DeclaredAs: strings.TrimSpace(r.FirstName + " " + r.LastName), DonorName: r.DonorName, DeclarationAddressLine: r.Address})
	}
	return out, nil
}

// nameWords is a name folded for comparison: lower case, letters and
// digits only, one space between words ("Lovelace-Byron" is two words).
func nameWords(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}
