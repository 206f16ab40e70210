package payments

import (
	"encoding/json"
	"testing"

	"github.com/indienews/donations/models"
	"github.com/stripe/stripe-go/v76"
)

// BenchmarkParseEvent: our decode of a paid checkout event against
// stripe-go's (a stripe.Event, whose data it decodes into a map as well,
// then the session from its raw copy), on the same body in the same run.
func BenchmarkParseEvent(b *testing.B) {
	d, err := NewDemo("http://localhost", nil)
	if err != nil {
		b.Fatal(err)
	}
	evs, err := d.PaidEvents(DemoPayment{SessionID: "cs_bench", GiftID: "g1", Email: "a@example.com", Name: "Ann",
		Currency: "usd", AmountTotal: 2500})
	if err != nil {
		b.Fatal(err)
	}
	body := evs[0].Body
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ev, err := ParseEvent(body)
			if _, ok := ev.Effect.(models.CheckoutPaid); err != nil || !ok {
				b.Fatal(ev, err)
			}
		}
	})
	b.Run("stripe.Event", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var ev stripe.Event
			var cs stripe.CheckoutSession
			if err := json.Unmarshal(body, &ev); err != nil {
				b.Fatal(err)
			}
			if err := json.Unmarshal(ev.Data.Raw, &cs); err != nil || cs.ID != "cs_bench" {
				b.Fatal(cs.ID, err)
			}
		}
	})
}
