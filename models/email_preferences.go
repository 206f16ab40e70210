package models

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Topics of the emails a donor may refuse. Receipts, payment problems,
// sign-in links and confirmations of what they asked for are always sent.
const (
	TopicReminders  = "reminders"  // renewal notices and yearly gift reminders
	TopicAppeals    = "appeals"    // asking a lapsed member back
	TopicStatements = "statements" // the year-end statement
)

// Topics lists them in the order pages show them, with their names.
var Topics = []struct{ Value, Label string }{
	{TopicReminders, "Reminders before a membership renews, and a year after a gift"},
	{TopicAppeals, "An invitation to come back when a membership ends"},
	{TopicStatements, "The year-end statement of your gifts"},
}

// TopicOf is the topic of an email kind, "" for one that must be sent.
func TopicOf(kind string) string {
	switch kind {
	case EmailRenewalNotice, EmailYearReminder:
		return TopicReminders
	case EmailLapsed:
		return TopicAppeals
	case EmailStatement:
		return TopicStatements
	}
	return ""
}

// emailPreference is email_preferences' row.
type emailPreference struct {
	DonorID   string `gorm:"primaryKey"`
	Topic     string `gorm:"primaryKey"`
	Allowed   bool
	ChangedAt time.Time
	How       string
}

func (emailPreference) TableName() string { return "email_preferences" }

// EmailPreferences says, per topic, whether the donor lets it be sent.
func (s *Store) EmailPreferences(ctx context.Context, donorID string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, t := range Topics {
		out[t.Value] = true
	}
	var rows []emailPreference
	if err := s.db.WithContext(ctx).Where("donor_id = ?", donorID).Find(&rows).Error; err != nil {
		return nil, wrap(err, "email preferences of %s", donorID)
	}
	for _, r := range rows {
		out[r.Topic] = r.Allowed
	}
	return out, nil
}

// SetEmailPreference records a donor's choice for a topic, with how it
// was made ("account page", "one-click unsubscribe").
func (s *Store) SetEmailPreference(ctx context.Context, donorID, topic string, allowed bool, how string) error {
	if TopicOf(topicKind(topic)) == "" {
		return Errorf(ErrInvalid, "There is no such kind of email.")
	}
	return wrap(s.transaction(ctx, func(tx *Tx) error {
		var n int64
		if err := tx.Model(&Donor{}).Where("id = ? AND erased_at IS NULL", donorID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return Errorf(ErrNotFound, "There is no such donor.")
		}
		row := emailPreference{DonorID: donorID, Topic: topic, Allowed: allowed, ChangedAt: tx.now, How: how}
		return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "donor_id"}, {Name: "topic"}},
			DoUpdates: clause.AssignmentColumns([]string{"allowed", "changed_at", "how"})}).Create(&row).Error
	}), "email preference of %s", donorID)
}

// topicKind is one email kind of a topic (for checking a topic is known).
func topicKind(topic string) string {
	switch topic {
	case TopicReminders:
		return EmailRenewalNotice
	case TopicAppeals:
		return EmailLapsed
	case TopicStatements:
		return EmailStatement
	}
	return ""
}

// refused says whether m is of a topic its donor refused.
func (s *Store) refused(tx *Tx, m EmailMessage) (bool, error) {
	topic := TopicOf(m.Kind)
	if topic == "" {
		return false, nil
	}
	donorID := ""
	if m.DonorID != nil {
		donorID = *m.DonorID
	} else {
		var ids []string
		if err := tx.Model(&Donor{}).Where("email = ?", NormaliseEmail(m.ToAddress)).Limit(1).Pluck("COALESCE(merged_into, id)", &ids).Error; err != nil {
			return false, err
		}
		if len(ids) == 0 {
			return false, nil
		}
		donorID = ids[0]
	}
	var p emailPreference
	err := tx.Where("donor_id = ? AND topic = ?", donorID, topic).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	return err == nil && !p.Allowed, err
}

// UnsubscribeSig signs a donor's unsubscribe link for a topic, so that the
// link works without signing in and cannot be turned to someone else.
func UnsubscribeSig(key []byte, donorID, topic string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("unsubscribe\x00" + donorID + "\x00" + topic))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// ValidUnsubscribe checks a link's signature.
func ValidUnsubscribe(key []byte, donorID, topic, sig string) bool {
	return hmac.Equal([]byte(UnsubscribeSig(key, donorID, topic)), []byte(sig))
}
