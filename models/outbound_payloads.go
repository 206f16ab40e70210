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
