package handlers_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/testenv"
)

func TestReceiptVerificationPage(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, db string) {
		app := newApp(t, db, appOptions{})
		c := app.client()
		deliver := app.deliverObject
		live := func(s map[string]any) map[string]any { s["livemode"] = true; return s } // real money: real receipts
		deliver("evt_v1", "checkout.session.completed", live(testenv.PaidSession(t, "cs_v1", "", "private@example.com", 5000)))
		deliver("evt_v2", "checkout.session.completed", live(testenv.PaidSession(t, "cs_v2", "", "private@example.com", 3000)))
		deliver("evt_v3", "charge.refunded", testenv.Charge(t, "ch_v1", "pi_cs_v1", "", 5000, 1000))
		deliver("evt_v4", "charge.refunded", testenv.Charge(t, "ch_v2", "pi_cs_v2", "", 3000, 3000))
		rs := app.receipts(time.Now().UTC().Year())
		if len(rs) != 3 {
			t.Fatalf("%d receipts", len(rs))
		}
		byNumber := map[string]string{}
		for _, r := range rs {
			byNumber[r.Number] = r.VerificationCode
		}
		fy := rs[0].Number[:5]
		cases := []struct {
			number, wantStatus, wantText string
		}{
			{fy + "000001", "Replaced by " + fy + "000003", "replaced by receipt"},
			{fy + "000002", "Void (refunded in full)", "is not valid"},
			{fy + "000003", "Valid", "valid as issued"},
		}
		for _, tc := range cases {
			resp, body := app.get(c, "/receipts/verify/"+byNumber[tc.number])
			if resp.StatusCode != 200 || !strings.Contains(body, `<dd id="verify-status">`+tc.wantStatus+`</dd>`) || !strings.Contains(body, tc.wantText) {
				t.Errorf("%s: %d\n%s", tc.number, resp.StatusCode, body)
			}
			if strings.Contains(body, "private@example.com") || strings.Contains(body, "Sample Donor") {
				t.Errorf("%s: the verification page shows the donor", tc.number)
			}
		}
		resp, body := app.get(c, "/receipts/verify/NOSUCHCODE")
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "No receipt has this verification code") {
			t.Fatalf("unknown code: %d", resp.StatusCode)
		}
	})
}
