package models

import (
	"fmt"
	"time"
)

// The data of the events added after the first four (see outbox_events.go
// for how an event is written), and the small helpers that decide when a
// fact tells one. Each is written in the transaction of its fact, under a
// dedupe key that a replayed or duplicated Stripe event repeats, so it
// adds nothing. Amounts are minor units with their currency; no card data.

type donorUpdatedData struct {
	DonorID   string `json:"donor_id"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	Line1     string `json:"address_line1,omitempty"`
	Line2     string `json:"address_line2,omitempty"`
	City      string `json:"address_city,omitempty"`
	State     string `json:"address_state,omitempty"`
	Postal    string `json:"address_postal_code,omitempty"`
	Country   string `json:"address_country,omitempty"`
	Language  string `json:"language,omitempty"`
	UpdatedAt string `json:"updated_at"`
}

// donorUpdated tells a donor's profile as it is now in tx, when it differs
// from before. Each edit is its own fact: the key is the donor and the
// transaction's clock.
func (s *Store) donorUpdated(tx *Tx, before Donor) error {
	var d Donor
	if err := tx.Where("id = ?", before.ID).Take(&d).Error; err != nil {
		return err
	}
	if d.Name == before.Name && d.Address == before.Address && d.Email == before.Email {
		return nil
	}
	return s.recordEvent(tx, EventDonorUpdated, d.ID, fmt.Sprintf("donor.updated:%s:%d", d.ID, tx.now.UnixNano()), donorUpdatedData{
		DonorID: d.ID, Email: d.Email, Name: d.Name, Line1: d.Address.Line1, Line2: d.Address.Line2, City: d.Address.City,
		State: d.Address.State, Postal: d.Address.PostalCode, Country: d.Address.Country, Language: d.Language, UpdatedAt: tx.now.Format(time.RFC3339)})
}

type giftRefundedData struct {
	GiftID         string `json:"gift_id"`
	DonorID        string `json:"donor_id"`
	RefundedAmount int64  `json:"refunded_amount"` // what this refund took
	TotalRefunded  int64  `json:"total_refunded"`  // refunded of the gift so far
	TotalAmount    int64  `json:"total_amount"`
	Currency       string `json:"currency"`
	FullyRefunded  bool   `json:"fully_refunded"`
	MembershipID   string `json:"membership_id,omitempty"`
	CampaignID     string `json:"campaign_id,omitempty"`
	RefundedAt     string `json:"refunded_at"`
}

// giftRefunded tells a refund of g that took its refunded total from
// g.RefundedAmount to total: one event per total reached, so a refund
// event delivered again (or late, after a larger one) tells nothing.
func (s *Store) giftRefunded(tx *Tx, g *Gift, total int64) error {
	donorID := deref(g.DonorID)
	return s.recordEvent(tx, EventGiftRefunded, donorID, fmt.Sprintf("gift.refunded:%s:%d", g.ID, total), giftRefundedData{
		GiftID: g.ID, DonorID: donorID, RefundedAmount: total - g.RefundedAmount, TotalRefunded: total, TotalAmount: g.TotalAmount,
		Currency: g.Currency, FullyRefunded: total >= g.TotalAmount, MembershipID: deref(g.MembershipID), CampaignID: deref(g.CampaignID),
		RefundedAt: tx.now.Format(time.RFC3339)})
}
