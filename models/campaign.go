package models

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/indienews/donations/money"
)

// A campaign is a drive with a goal and dates (Giving Tuesday to
// December 31): its own page (/give/SLUG), its own preset amounts, and
// a meter of what its gifts raised, net of refunds and disputes.

// Campaign is one drive. PresetAmounts, when set, replaces the form's
// preset amounts ("25,50,100", major units).
type Campaign struct {
	ID         string
	Slug       string
	Name       string
	GoalAmount int64
	Currency   string
	StartsAt   time.Time
	EndsAt     time.Time // exclusive: the first instant after the last day
	Intro      string
	// IntroTranslations are the intro in other languages, by language;
	// a language without one reads Intro.
	IntroTranslations Translations
	PresetAmounts     string
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Translations are a text in other languages, by language, kept as a
// JSON object ("{}" for none: the column is never NULL).
type Translations map[string]string

// Value stores them as JSON.
func (t Translations) Value() (driver.Value, error) { return introJSON(t), nil }

// Scan reads them back from their JSON.
func (t *Translations) Scan(v any) error {
	var b []byte
	switch v := v.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	case nil:
		*t = nil
		return nil
	default:
		return fmt.Errorf("translations: cannot read a %T", v)
	}
	return json.Unmarshal(b, t)
}

// introJSON is the translations as their column holds them.
func introJSON(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m) // a map of strings always marshals
	return string(b)
}

// IntroIn is the campaign's intro in lang, or the default one.
func (c *Campaign) IntroIn(lang string) string {
	if t := c.IntroTranslations[lang]; t != "" {
		return t
	}
	return c.Intro
}

// Open reports whether gifts made at t count towards the campaign.
func (c *Campaign) Open(t time.Time) bool { return !t.Before(c.StartsAt) && t.Before(c.EndsAt) }

// SaveCampaign creates the campaign (no ID yet) or updates it, audited.
// Another campaign's slug is ErrConflict.
func (s *Store) SaveCampaign(ctx context.Context, c *Campaign, by Actor) error {
	err := s.transaction(ctx, func(tx *Tx) error {
		var taken int64
		if err := tx.Model(&Campaign{}).Where("slug = ? AND id <> ?", c.Slug, c.ID).Count(&taken).Error; err != nil {
			return err
		}
		if taken > 0 {
			return Errorf(ErrConflict, "Another campaign has the address /give/%s.", c.Slug)
		}
		c.UpdatedAt = tx.now
		action := "edited campaign"
		if c.ID == "" {
			c.ID, c.CreatedAt, action = uuid.NewString(), tx.now, "created campaign"
			if err := tx.Create(c).Error; err != nil {
				return translate(err)
			}
		} else {
			res := tx.Model(&Campaign{}).Where("id = ?", c.ID).Updates(map[string]any{"slug": c.Slug, "name": c.Name,
				"goal_amount": c.GoalAmount, "currency": c.Currency, "starts_at": c.StartsAt.UTC(), "ends_at": c.EndsAt.UTC(),
				"intro": c.Intro, "intro_translations": introJSON(c.IntroTranslations), "preset_amounts": c.PresetAmounts, "updated_at": tx.now})
			if res.Error != nil {
				return translate(res.Error)
			}
			if res.RowsAffected == 0 {
				return ErrNotFound
			}
		}
		return s.audit(tx, by, action, c.Slug+": "+c.Name)
	})
	return wrap(err, "campaigns: save %s", c.Slug)
}

// CampaignBySlug returns a campaign by its address; ErrNotFound if none.
func (s *Store) CampaignBySlug(ctx context.Context, slug string) (*Campaign, error) {
	return s.campaignWhere(ctx, "slug = ?", strings.ToLower(slug))
}

// CampaignByID returns a campaign; ErrNotFound if none.
func (s *Store) CampaignByID(ctx context.Context, id string) (*Campaign, error) {
	return s.campaignWhere(ctx, "id = ?", id)
}

func (s *Store) campaignWhere(ctx context.Context, where string, arg string) (*Campaign, error) {
	var c Campaign
	err := s.db.WithContext(ctx).Where(where, arg).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	return &c, wrap(err, "campaigns: %s", arg)
}

// Campaigns lists every campaign, the latest to start first.
func (s *Store) Campaigns(ctx context.Context) ([]Campaign, error) {
	var cs []Campaign
	err := s.db.WithContext(ctx).Order("starts_at DESC, name").Find(&cs).Error
	return cs, wrap(err, "campaigns: list")
}

// CampaignProgress is what a campaign's gifts raised so far.
type CampaignProgress struct {
	Raised int64 // net of refunds and of disputes open or lost, in the campaign's currency
	Gifts  int64
	Donors int64
}

// CampaignProgress sums the campaign's paid gifts in its currency, net of
// refunds and disputes: it is recomputed as they happen, since it is read
// from the gifts each time.
func (s *Store) CampaignProgress(ctx context.Context, c *Campaign) (CampaignProgress, error) {
	var p CampaignProgress
	err := s.db.WithContext(ctx).Model(&Gift{}).
		Select(`COALESCE(SUM(total_amount - refunded_amount - CASE WHEN dispute_status IN (?, ?) THEN total_amount - refunded_amount ELSE 0 END), 0) AS raised,
			COUNT(*) AS gifts, COUNT(DISTINCT donor_id) AS donors`, DisputeOpen, DisputeLost).
		Where("campaign_id = ? AND currency = ? AND status IN ?", c.ID, c.Currency, []string{GiftPaid, GiftRefunded}).
		Scan(&p).Error
	return p, wrap(err, "campaigns: progress of %s", c.Slug)
}

// campaignOfMembership is the campaign a membership began in, when a later
// payment made at t still counts towards it: within its dates.
func campaignOfMembership(tx *Tx, m *Membership, t time.Time) (*string, error) {
	if m.GiftID == nil {
		return nil, nil
	}
	var first Gift
	if err := tx.Select("campaign_id").Where("id = ?", *m.GiftID).Limit(1).Find(&first).Error; err != nil {
		return nil, err
	}
	if first.CampaignID == nil {
		return nil, nil
	}
	var c Campaign
	if err := tx.Where("id = ?", *first.CampaignID).Limit(1).Find(&c).Error; err != nil {
		return nil, err
	}
	if c.ID == "" || !c.Open(t) {
		return nil, nil
	}
	return &c.ID, nil
}

// Presets are the campaign's own preset amounts, in minor units (none:
// the form's defaults).
func (c *Campaign) Presets() []int64 {
	out, _ := ParsePresets(c.PresetAmounts, c.Currency)
	return out
}

// ParsePresets reads "25, 50, 100" (major units) for a campaign's form.
func ParsePresets(raw, currency string) ([]int64, error) {
	var out []int64
	for _, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		v, err := money.ParseMajor(part, currency)
		if err != nil {
			return nil, fmt.Errorf("%q is not an amount", part)
		}
		out = append(out, v)
	}
	return out, nil
}
